/**
 * The cleanupTtl HTTP handler: authenticate, validate `{force?, dryRun?,
 * namespace?}`, use X-CloudScheduler-ScheduleTime as the run id of a tick,
 * run, and answer with the run summary. A failed run answers 500 so Cloud
 * Scheduler retries it (same tick id: a retry resumes, never repeats).
 */
import type { Request, Response } from "express";
import type { Deps } from "../../shared/deps.ts";
import { ClusterReferenceReader } from "../../shared/cleanup/references.ts";
import { cleanupOptionsFor, parseCleanupRequest } from "../../shared/cleanup/request.ts";
import { runCleanup } from "../../shared/cleanup/run.ts";
import type { CleanupDeps } from "../../shared/cleanup/types.ts";
import { sendError } from "../api/respond.ts";

/** The cleanup view of the shared deps; pod-template references are read where the backend has templates. */
export function cleanupDeps(deps: Deps): CleanupDeps {
  return {
    store: deps.store,
    cluster: deps.cluster,
    config: deps.config,
    clock: deps.clock,
    log: deps.log,
    ...(deps.cluster.readWorkloads
      ? { references: new ClusterReferenceReader({ readWorkloads: (ns) => deps.cluster.readWorkloads!(ns) }) }
      : {}),
  };
}

export function cleanupTtlHandler(getDeps: () => Promise<Deps>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const deps = await getDeps();
      const principal = await deps.auth.authenticate(req.get("authorization"));
      const input = parseCleanupRequest(req.body, req.query);
      const scheduleTime = req.get("x-cloudscheduler-scheduletime");
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
