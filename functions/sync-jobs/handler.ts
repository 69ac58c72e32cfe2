/**
 * The syncJobs HTTP handler: authenticate the scheduler's OIDC token,
 * reconcile the active jobs, answer with the sync summary. An error answers
 * with its status (5xx for transient faults) so Cloud Scheduler retries.
 *
 * With Kueue on (KINETIC_DEFAULT_QUEUE), each run also brings the default
 * ClusterQueue and the namespaces' LocalQueues in line with the operator
 * config as it is now; that step never fails the sync.
 */
import type { Request, Response } from "express";
import { connectKueue } from "../../shared/cluster/kueue-apply.ts";
import type { Deps } from "../../shared/deps.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { reconcileDefaultQueue, type ReconcileDeps } from "../../shared/kueue/reconcile.ts";
import { sendError } from "../http.ts";
import { guarded } from "../http-body.ts";

/** The namespaces the policy grants to anyone: each gets a LocalQueue of the default ClusterQueue. */
export function policyNamespaces(deps: Pick<Deps, "config">): string[] {
  return [...new Set(Object.values(deps.config.namespacePolicy).flat())].filter((n) => n !== "*").sort();
}

export function syncJobsHandler(getDeps: () => Promise<Deps>, kueue: ReconcileDeps["kueue"] = () => connectKueue()) {
  return guarded(async (req: Request, res: Response): Promise<void> => {
    try {
      const deps = await getDeps();
      await deps.auth.authenticate(req.get("authorization"));
      const summary = await syncJobs(deps);
      const defaultQueue = deps.config.defaultQueue
        ? await reconcileDefaultQueue(
            { operatorConfig: deps.operatorConfig, log: deps.log, kueue },
            policyNamespaces(deps),
          )
        : undefined;
      res
        .status(200)
        .json(
          defaultQueue ? { ...summary, defaultQueue: defaultQueue.ok ? "reconciled" : defaultQueue.error } : summary,
        );
    } catch (err) {
      sendError(res, err);
    }
  });
}
