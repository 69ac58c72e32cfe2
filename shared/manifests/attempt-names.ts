/**
 * Workload names per attempt. Attempt 1 keeps the job's deterministic name
 * (workloadName); a resumed attempt N gets its own deterministic name, so a
 * repeated restart (two syncs racing) meets a 409 instead of creating a twin,
 * and it never collides with the previous attempt's object while that one is
 * still being deleted. The ':' in the hashed key cannot occur in a job id,
 * so no job's attempt-1 name equals another job's attempt name.
 */
import { workloadName } from "./names.ts";

export function attemptWorkloadName(jobId: string, attempt: number): string {
  return attempt <= 1 ? workloadName(jobId) : workloadName(`${jobId}:a${attempt}`);
}
