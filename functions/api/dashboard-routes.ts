/**
 * GET /ui/…: the dashboard's static page. The page itself holds no data and
 * needs no credential; everything it shows comes from the JSON routes, called
 * from the browser with the user's bearer token, so the same authentication
 * and namespace policy apply as for the CLI.
 */
import type { Request, Response } from "express";
import type { RouteGroup } from "./app.ts";
import { dashboardAssets } from "./dashboard-assets.ts";

export const DASHBOARD_PATH = "/ui/";

export const dashboardRoutes: RouteGroup = (app) => {
  app.get(["/ui", "/ui/:file"], async (req: Request, res: Response) => {
    // The page's files are relative: /ui must become /ui/ (express matches both to "/ui").
    if (!req.originalUrl.split("?")[0]!.endsWith("/") && req.params.file === undefined) {
      res.redirect(301, DASHBOARD_PATH);
      return;
    }
    const name = typeof req.params.file === "string" ? req.params.file : "index.html";
    try {
      const asset = (await dashboardAssets()).get(name);
      if (!asset) {
        res.status(404).json({ error: { code: "not-found", message: `no dashboard file ${name}` } });
        return;
      }
      res
        .status(200)
        .type(asset.type)
        // The page must not be framed or run foreign code; it only calls this origin.
        .set({
          "content-security-policy":
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
          "x-content-type-options": "nosniff",
          "cache-control": "no-cache",
        })
        .send(asset.body);
    } catch (err) {
      res.status(500).json({
        error: { code: "internal", message: `the dashboard could not be built: ${(err as Error).message}` },
      });
    }
  });
};
