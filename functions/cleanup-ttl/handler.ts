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
import { KineticError } from "../../shared/errors.ts";
import { assertOperator } from "../../shared/jobs/namespace-policy.ts";
import { sendError } from "../http.ts";

export function cleanupTtlHandler(getDeps: () => Promise<Deps>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const deps = await getDeps();
      const principal = await deps.auth.authenticate(req.get("authorization"));
      const input = parseCleanupRequest(req.body, req.query);
      const scheduleTime = req.get("x-cloudscheduler-scheduletime");
      // A schedule time is the run's identity (a retried tick does nothing again), so a forged one could
      // pre-complete a future tick: only the scheduler's own identity may name it.
      if (scheduleTime !== undefined && !deps.config.schedulers.includes(principal.id)) {
        throw new KineticError("permission-denied", "only the scheduler's identity may name a schedule time", {
          issues: [
            {
              field: "X-CloudScheduler-ScheduleTime",
              message: `${principal.id} is not in KINETIC_SCHEDULER_PRINCIPALS`,
            },
          ],
        });
      }
      if (scheduleTime === undefined) assertOperator(deps.config.namespacePolicy, principal.id, "a manual cleanup run");
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
  };
}
