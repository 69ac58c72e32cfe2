/**
 * Cancelling a job: record CANCELLED first (so a concurrent sync cannot
 * resurrect it), then delete the workload. Cancelling a finished job is a
 * no-op that returns it as it is. A cancel that names its namespace and
 * arrives before its submission leaves a CANCELLED tombstone under the id,
 * so the late submission finds it and never runs.
 */
import { isTerminal } from "../schemas/job-state.ts";
import { KineticError } from "../errors.ts";
import type { JobDoc } from "../store/job-store.ts";
import { CANCELLED_BEFORE_SUBMIT, type JobDeps } from "./submit.ts";

export async function cancelJob(
  deps: JobDeps,
  id: string,
  principal: string,
  options: { namespace?: string } = {},
): Promise<JobDoc> {
  const job = await deps.store.get(id);
  // A job in another namespace than the one named is not this caller's to cancel, nor to learn of.
  if (job && options.namespace !== undefined && job.namespace !== options.namespace) throw notFound(id);
  if (!job) {
    if (options.namespace === undefined) throw notFound(id);
    const { created, job: stone } = await deps.store.create({
      id,
      namespace: options.namespace,
      accelerator: "",
      state: "CANCELLED",
      reason: CANCELLED_BEFORE_SUBMIT,
      message: `cancelled by ${principal} before it was submitted`,
    });
    if (created) {
      deps.log.info("job cancelled before its submission arrived", { jobId: id, principal });
      return stone;
    }
    // The submission won the race between our read and our create: cancel the job it made.
    return cancelJob(deps, id, principal, options);
  }
  if (isTerminal(job.state)) return job;
  const { job: cancelled } = await deps.store.transition(id, {
    to: "CANCELLED",
    reason: "CancelledByUser",
    message: `cancelled by ${principal}`,
  });
  if (cancelled.state === "CANCELLED" && cancelled.workload) {
    await deps.cluster.delete(cancelled.workload);
    deps.log.info("job cancelled", { jobId: id, principal });
  }
  return cancelled;
}

function notFound(id: string): KineticError {
  return new KineticError("not-found", `job ${id} not found`);
}
