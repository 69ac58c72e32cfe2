/**
 * Stopping a running job for the utilization check (idle too long, or
 * preempted for a waiting job): the record moves RUNNING → FAILED with the
 * reason first — so a concurrent syncJobs never records the deletion as
 * WorkloadMissing, and of two stoppers exactly one applies — then the
 * workload (Job/JobSet and its pods) is deleted; volumes and claims are not
 * the workload's and stay. Then `job.finished` is published through syncJobs'
 * claim, so it goes out once. A delete that fails leaves `stopPending` on
 * the record and is retried by the next run.
 */
import { finish, type SyncDeps } from "../jobs/sync.ts";
import type { JobDoc } from "../store/job-store.ts";

export type StopReason = "Underutilized" | "Preempted";

/** True when this call stopped the job (false: it was no longer RUNNING, e.g. another stopper won). */
export async function stopJob(deps: SyncDeps, job: JobDoc, reason: StopReason, message: string): Promise<boolean> {
  const { applied, job: stopped } = await deps.store.transition(job, {
    from: ["RUNNING"],
    to: "FAILED",
    reason,
    message,
    patch: { stopPending: true },
  });
  if (!applied) return false;
  await completeStop(deps, stopped);
  return true;
}

/** Deletes the stopped job's workload and publishes its end; throws when the delete fails (retried next run). */
export async function completeStop(deps: SyncDeps, job: JobDoc): Promise<void> {
  if (job.workload) await deps.cluster.delete(job.workload);
  await deps.store.patch(job, { stopPending: false });
  await finish(deps, { ...job, stopPending: false });
}
