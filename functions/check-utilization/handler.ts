/**
 * The checkUtilization HTTP handler: authenticate, use
 * X-CloudScheduler-ScheduleTime as the run id of a tick (only from the
 * scheduler's identity; anyone else must be an operator), run, and answer
 * with the run summary. A run whose metrics endpoint failed still answers
 * 200: it judged nothing and stopped nothing, and says so in its record;
 * an unexpected failure answers 500 so Cloud Scheduler retries the tick.
 */
import type { Request, Response } from "express";
import type { Deps } from "../../shared/deps.ts";
import { tickRunId } from "../../shared/cleanup/run.ts";
import { utilizationDeps } from "../../shared/utilization/deps.ts";
import { runUtilizationCheck } from "../../shared/utilization/run.ts";
import { cronCaller, sendError } from "../http.ts";
import { guarded } from "../http-body.ts";

export function checkUtilizationHandler(getDeps: () => Promise<Deps>) {
  return guarded(async (req: Request, res: Response): Promise<void> => {
    try {
      const deps = await getDeps();
      const principal = await deps.auth.authenticate(req.get("authorization"));
      const scheduleTime = cronCaller(req, deps.config, principal.id, "a manual utilization check");
      const summary = await runUtilizationCheck(utilizationDeps(deps), {
        ...(scheduleTime ? { runId: tickRunId(scheduleTime) } : {}),
        trigger: scheduleTime ? "schedule" : principal.id,
      });
      res.status(summary.status === "failed" ? 500 : 200).json(summary);
    } catch (err) {
      sendError(res, err);
    }
  });
}
