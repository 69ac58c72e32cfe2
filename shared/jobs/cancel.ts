/**
 * Cancelling a job: record CANCELLED first (so a concurrent sync cannot
 * resurrect it), then delete the workload. Cancelling a finished job is a
 * no-op that returns it as it is. A cancel that arrives before its
 * submission leaves a CANCELLED tombstone under (namespace, id), so the late
 * submission finds it and never runs.
 */
import { isTerminal } from "../schemas/job-state.ts";
import type { JobDoc, JobKey } from "../store/job-store.ts";
import { CANCELLED_BEFORE_SUBMIT, type JobDeps } from "./submit.ts";

export async function cancelJob(deps: JobDeps, key: JobKey, principal: string): Promise<JobDoc> {
  const job = await deps.store.get(key);
  if (!job) {
    const { created, job: stone } = await deps.store.create({
      id: key.id,
      namespace: key.namespace,
      accelerator: "",
      state: "CANCELLED",
      reason: CANCELLED_BEFORE_SUBMIT,
      message: `cancelled by ${principal} before it was submitted`,
    });
    if (created) {
      deps.log.info("job cancelled before its submission arrived", { ...logKey(key), principal });
      return stone;
    }
    // The submission won the race between our read and our create: cancel the job it made.
    return cancelJob(deps, key, principal);
  }
  if (isTerminal(job.state)) return job;
  const { job: cancelled } = await deps.store.transition(key, {
    to: "CANCELLED",
    reason: "CancelledByUser",
    message: `cancelled by ${principal}`,
  });
  if (cancelled.state === "CANCELLED" && cancelled.workload) {
    await deps.cluster.delete(cancelled.workload);
    deps.log.info("job cancelled", { ...logKey(key), principal });
  }
  return cancelled;
}

function logKey(key: JobKey) {
  return { jobId: key.id, namespace: key.namespace };
}
