/**
 * A job's own volume claims at cleanup: deleted once the job's TTL has
 * passed, and only those its spec marked `deleteAfterTtl` (the claims carry
 * that mark as a label, so a selector finds exactly them). A shared claim,
 * or a job's claim without the mark, is never deleted by Kinetic; neither
 * preemption nor idle termination ever reaches this code.
 */
import { JOB_ID_LABEL } from "../cluster/labels.ts";
import { CLAIM_OWNER_LABEL, DELETE_AFTER_TTL_LABEL } from "../manifests/claims.ts";
import { sanitizeLabelValue } from "../schemas/k8s-names.ts";
import type { JobDoc } from "../store/job-store.ts";
import type { RunContext } from "./context.ts";

function asksForDeletion(job: JobDoc): boolean {
  const marked = (v: unknown) => (v as { deleteAfterTtl?: unknown } | undefined)?.deleteAfterTtl === true;
  return marked(job.spec?.data) || marked(job.spec?.hfCache);
}

/** Deletes the job's own claims marked deleteAfterTtl; called when its TTL has passed. */
export async function deleteOwnClaims(ctx: RunContext, job: JobDoc, reason: string): Promise<void> {
  if (!asksForDeletion(job)) return; // no list call for the jobs (nearly all) without such claims
  const { deps, options, report } = ctx;
  const selector = [
    `${JOB_ID_LABEL}=${sanitizeLabelValue(job.id)}`,
    `${CLAIM_OWNER_LABEL}=job`,
    `${DELETE_AFTER_TTL_LABEL}=true`,
  ].join(",");
  const claims = await deps.cluster.listManaged(job.namespace, ["PersistentVolumeClaim"], selector);
  for (const claim of claims) {
    const where = { kind: claim.kind, namespace: claim.namespace, name: claim.name, jobId: job.id };
    if (options.dryRun) {
      report.add({ action: "would-delete", ...where, reason: `${reason}; deleteAfterTtl (dry run)` });
      continue;
    }
    const { deleted } = await deps.cluster.deleteObject(claim);
    report.add({
      action: deleted ? "deleted" : "already-gone",
      ...where,
      reason: `${reason}; the spec asked (deleteAfterTtl)`,
    });
  }
}
