/**
 * Cancelling a job: record CANCELLED first (so a concurrent sync cannot
 * resurrect it), then delete the workload. Cancelling a finished job is a
 * no-op that returns it as it is.
 */
import { isTerminal } from "../schemas/job-state.ts";
import { KineticError } from "../errors.ts";
import type { JobDoc } from "../store/job-store.ts";
import type { JobDeps } from "./submit.ts";

export async function cancelJob(deps: JobDeps, id: string, principal: string): Promise<JobDoc> {
  const job = await deps.store.get(id);
  if (!job) throw new KineticError("not-found", `job ${id} not found`);
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
