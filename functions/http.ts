/**
 * HTTP helpers every HTTP function shares (functions never import each
 * other). The one place HTTP errors are rendered: a KineticError becomes its
 * status and `{error: {code, message, issues}}`; anything else is a 500 whose
 * details stay in the log, never in the response.
 */
import type { Response } from "express";
import { KineticError } from "../shared/errors.ts";
import { log } from "../shared/log.ts";

export function sendError(res: Response, err: unknown): void {
  // A route may have set another type (text/plain for logs) before failing.
  res.type("application/json");
  if (err instanceof KineticError) {
    if (err.status >= 500) log.warn("request failed", { code: err.code, error: err.message });
    res.status(err.status).json(err.toJSON());
    return;
  }
  log.error("unexpected error", { error: err });
  res.status(500).json({ error: { code: "internal", message: "internal error; see the function's logs" } });
}
