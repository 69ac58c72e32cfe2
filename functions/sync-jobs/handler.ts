/**
 * The syncJobs HTTP handler: authenticate the scheduler's OIDC token,
 * reconcile the active jobs, answer with the sync summary. An error answers
 * with its status (5xx for transient faults) so Cloud Scheduler retries.
 */
import type { Request, Response } from "express";
import type { Deps } from "../../shared/deps.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { sendError } from "../http.ts";

export function syncJobsHandler(getDeps: () => Promise<Deps>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const deps = await getDeps();
      await deps.auth.authenticate(req.get("authorization"));
      const summary = await syncJobs(deps);
      res.status(200).json(summary);
    } catch (err) {
      sendError(res, err);
    }
  };
}
