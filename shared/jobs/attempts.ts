/**
 * Attempts on the job record: which cluster outcome is a disruption (resumed
 * as the next attempt) rather than the program's own failure (never
 * retried), and the pure bookkeeping of the attempts list that syncJobs
 * patches in the same transaction as each state change.
 *
 * A disruption is read from the workload's failure reason, which the
 * rendering makes unambiguous (shared/manifests/render.ts): a pod with the
 * DisruptionTarget condition (spot reclaim, node loss, eviction) is counted
 * against backoffLimit 0, so the Job fails as BackoffLimitExceeded, and a
 * JobSet whose child failed that way ends as ReachedMaxRestarts; the
 * program's non-zero exit fails as PodFailurePolicy / FailJobSet. This holds
 * after the pods are gone (a deleted node takes its pods with it).
 */
import type { WorkloadRef, WorkloadStatus } from "../cluster/types.ts";
import type { JobAttempt } from "../schemas/job-attempts.ts";
import type { JobDoc } from "../store/job-store.ts";
import { DEFAULT_MAX_PREEMPTIONS } from "../schemas/job-spec-storage.ts";

/** Failure reasons that mean "the pods were taken away", per workload kind. */
const DISRUPTION_REASONS: Record<WorkloadRef["kind"], readonly string[]> = {
  Job: ["BackoffLimitExceeded"],
  JobSet: ["ReachedMaxRestarts"],
};
/** The reason the local process runtime gives a process stopped as a preemption would stop it. */
export const LOCAL_PREEMPTED_REASON = "Preempted";

export function isDisruption(ref: WorkloadRef, status: WorkloadStatus): boolean {
  if (status.phase !== "Failed" || !status.reason) return false;
  return status.reason === LOCAL_PREEMPTED_REASON || DISRUPTION_REASONS[ref.kind].includes(status.reason);
}

export function currentAttempt(job: Pick<JobDoc, "attempt">): number {
  return job.attempt ?? 1;
}

export function maxPreemptionsOf(job: Pick<JobDoc, "spec">): number {
  const value = job.spec?.maxPreemptions;
  return typeof value === "number" ? value : DEFAULT_MAX_PREEMPTIONS;
}

export function firstAttempt(workload: string, at: string): JobAttempt[] {
  return [{ attempt: 1, workload, createdAt: at }];
}

/** The attempts as recorded, or attempt 1 for a record from before attempts were kept. */
export function attemptsOf(job: Pick<JobDoc, "attempts" | "workload" | "createdAt" | "startedAt">): JobAttempt[] {
  if (job.attempts?.length) return job.attempts;
  if (!job.workload) return [];
  return [
    {
      attempt: 1,
      workload: job.workload.name,
      createdAt: job.createdAt,
      ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    },
  ];
}

type Ending = Pick<JobAttempt, "outcome" | "reason" | "message" | "endedAt">;

/** The list with its last attempt ended (an attempt already ended keeps its first ending). */
export function endLast(attempts: JobAttempt[], ending: Ending): JobAttempt[] {
  const last = attempts.at(-1);
  if (!last || last.outcome) return attempts;
  const ended: JobAttempt = {
    ...last,
    outcome: ending.outcome!,
    ...(ending.reason ? { reason: ending.reason } : {}),
    ...(ending.message ? { message: ending.message } : {}),
    ...(ending.endedAt ? { endedAt: ending.endedAt } : {}),
  };
  return [...attempts.slice(0, -1), ended];
}

/** The list with its last attempt marked started (once: the first time it was seen running). */
export function startLast(attempts: JobAttempt[], startedAt: string): JobAttempt[] {
  const last = attempts.at(-1);
  if (!last || last.startedAt || last.outcome) return attempts;
  return [...attempts.slice(0, -1), { ...last, startedAt }];
}

/**
 * The attempts patch that goes with a state change read from `status`: the last attempt started when the
 * workload runs, ended when it succeeds or fails. Undefined when the list would not change (no write).
 */
export function attemptsPatch(job: JobDoc, status: WorkloadStatus, now: Date): JobAttempt[] | undefined {
  const before = attemptsOf(job);
  if (!before.length) return undefined;
  let after = before;
  const at = now.toISOString();
  if (status.phase === "Running" || status.phase === "Succeeded" || status.phase === "Failed")
    after = startLast(after, status.startedAt ?? at);
  if (status.phase === "Succeeded")
    after = endLast(after, {
      outcome: "Succeeded",
      reason: status.reason ?? "Completed",
      endedAt: status.finishedAt ?? at,
    });
  if (status.phase === "Failed" || status.phase === "Missing")
    after = endLast(after, {
      outcome: "Failed",
      reason: status.reason ?? "Failed",
      ...(status.message ? { message: status.message } : {}),
      endedAt: status.finishedAt ?? at,
    });
  return after === before && job.attempts?.length ? undefined : after;
}
