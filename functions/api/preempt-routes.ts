/**
 * POST /jobs/{id}/preempt: stop a running job as a spot reclaim would, so its next attempt resumes from the
 * checkpoint dir (`kinetic jobs preempt ID`). Only a backend that can act it out has it — the local runtime of
 * `npm start`; elsewhere the answer is 412 (a real preemption is the cloud's doing). Namespace rights apply as
 * for cancel: a job outside them is a 404.
 */
import { KineticError } from "../../shared/errors.ts";
import { allowedNamespaces } from "../../shared/jobs/namespace-policy.ts";
import { requireVisibleJob } from "../../shared/jobs/find.ts";
import { isTerminal } from "../../shared/schemas/job-state.ts";
import { Namespace } from "../../shared/schemas/job-spec-fields.ts";
import { toRecord } from "../../shared/store/job-view.ts";
import type { RouteGroup } from "./app.ts";

export const preemptRoutes: RouteGroup = (app, route) => {
  app.post(
    "/jobs/:id/preempt",
    route(async (req, res, deps, principal) => {
      const ns = Namespace.optional().safeParse(req.query.namespace);
      if (!ns.success)
        throw new KineticError("invalid-argument", "invalid query: namespace", {
          issues: [{ field: "namespace", message: ns.error.issues[0]?.message ?? "invalid" }],
        });
      const job = await requireVisibleJob(deps.store, String(req.params.id), {
        allowed: allowedNamespaces(deps.config.namespacePolicy, principal.id),
        ...(ns.data !== undefined ? { namespace: ns.data } : {}),
      });
      if (isTerminal(job.state) || !job.workload)
        throw new KineticError(
          "failed-precondition",
          `job ${job.id} is ${job.state}: only a running job can be preempted`,
        );
      if (!deps.cluster.preempt)
        throw new KineticError(
          "failed-precondition",
          "this cluster backend cannot act out a preemption (local mode only)",
        );
      const { preempted } = await deps.cluster.preempt(job.workload);
      deps.log.info("job preempted on request", {
        jobId: job.id,
        namespace: job.namespace,
        preempted,
        by: principal.id,
      });
      res.status(preempted ? 202 : 409).json({ job: toRecord(job), preempted });
    }),
  );
};
