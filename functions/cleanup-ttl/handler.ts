/**
 * The cleanupTtl HTTP handler: authenticate, validate `{force?, dryRun?,
 * namespace?}`, use X-CloudScheduler-ScheduleTime as the run id of a tick
 * (only from the scheduler's identity; anyone else must be an operator),
 * run, and answer with the run summary. A failed run answers 500 so Cloud
 * Scheduler retries it (same tick id: a retry resumes, never repeats).
 */
import type { Request, Response } from "express";
import type { Deps } from "../../shared/deps.ts";
import { cleanupDeps } from "../../shared/cleanup/cleanup-deps.ts";
import { cleanupOptionsFor, parseCleanupRequest } from "../../shared/cleanup/request.ts";
import { runCleanup } from "../../shared/cleanup/run.ts";
import { cronCaller, sendError } from "../http.ts";
import { guarded } from "../http-body.ts";

export function cleanupTtlHandler(getDeps: () => Promise<Deps>) {
  return guarded(async (req: Request, res: Response): Promise<void> => {
    try {
      const deps = await getDeps();
      const principal = await deps.auth.authenticate(req.get("authorization"));
      const input = parseCleanupRequest(req.body, req.query);
      const scheduleTime = cronCaller(req, deps.config, principal.id, "a manual cleanup run");
      const options = cleanupOptionsFor(input, {
        ...(scheduleTime ? { scheduleTime } : {}),
        principal: principal.id,
        now: deps.clock.now(),
      });
      const summary = await runCleanup(cleanupDeps(deps), options);
      res.status(summary.status === "failed" ? 500 : 200).json(summary);
    } catch (err) {
      sendError(res, err);
    }
  });
}
