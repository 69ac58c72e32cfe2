import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { dashboardRoutes } from "./dashboard-routes.ts";

// The page is static and credential-free; its data routes are the authenticated API (tested in test/integration).
function app() {
  const a = express();
  dashboardRoutes(a, () => async () => {
    throw new Error("the dashboard's files must not go through authentication");
  });
  return a;
}

describe("GET /ui/", () => {
  it("redirects /ui to /ui/ so the page's relative files resolve", async () => {
    const res = await request(app()).get("/ui");
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("/ui/");
  });

  it("serves the page, its bundle (uPlot included) and styles, with a same-origin CSP", async () => {
    const page = await request(app()).get("/ui/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.text).toContain('src="app.js"');
    const js = await request(app()).get("/ui/app.js");
    expect(js.headers["content-type"]).toMatch(/javascript/);
    expect(js.text).toContain("uplot");
    for (const css of ["styles.css", "uplot.css"]) {
      expect((await request(app()).get(`/ui/${css}`)).headers["content-type"]).toMatch(/text\/css/);
    }
  });

  it("answers 404 for any other file", async () => {
    const res = await request(app()).get("/ui/secrets.json");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not-found");
  });
});
