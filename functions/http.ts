/**
 * HTTP helpers every HTTP function shares (functions never import each
 * other). The one place HTTP errors are rendered: a KineticError becomes its
 * status and `{error: {code, message, issues}}`; anything else is a 500 whose
 * details stay in the log, never in the response.
 */
import type { Response } from "express";
import { KineticError } from "../shared/errors.ts";
import { assertOperator } from "../shared/jobs/namespace-policy.ts";
import { log } from "../shared/log.ts";
import type { RuntimeConfig } from "../shared/runtime-config.ts";

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

/**
 * Who may start a cron's run: Cloud Scheduler's tick carries X-CloudScheduler-ScheduleTime, which is the run's
 * identity (a retried tick does nothing again), so a forged one could pre-complete a future tick: only the
 * scheduler's own identity may name it. A call without it is a manual run, which is an operator's.
 * Returns the schedule time of a tick, or undefined for a manual run.
 */
export function cronCaller(
  req: { get(name: string): string | undefined },
  config: Pick<RuntimeConfig, "schedulers" | "namespacePolicy">,
  principalId: string,
  manualRun: string,
): string | undefined {
  const scheduleTime = req.get("x-cloudscheduler-scheduletime");
  if (scheduleTime === undefined) {
    assertOperator(config.namespacePolicy, principalId, manualRun);
    return undefined;
  }
  if (!config.schedulers.includes(principalId)) {
    throw new KineticError("permission-denied", "only the scheduler's identity may name a schedule time", {
      issues: [
        { field: "X-CloudScheduler-ScheduleTime", message: `${principalId} is not in KINETIC_SCHEDULER_PRINCIPALS` },
      ],
    });
  }
  return scheduleTime;
}
