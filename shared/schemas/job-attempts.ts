/**
 * One attempt of a job on the record: a job runs as attempt 1, and each
 * disruption it survives (spot reclaim, node loss) starts the next attempt
 * from the same checkpoint dir. The record keeps every attempt with its
 * workload, times and how it ended.
 */
import { z } from "zod";

export const ATTEMPT_OUTCOMES = ["Succeeded", "Failed", "Disrupted", "Cancelled"] as const;

export const JobAttempt = z.object({
  attempt: z.number().int().min(1),
  /** The attempt's workload (Job or JobSet) name. */
  workload: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  outcome: z.enum(ATTEMPT_OUTCOMES).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type JobAttempt = z.infer<typeof JobAttempt>;
