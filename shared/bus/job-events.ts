/**
 * The job-finished event's schema, apart from the Pub/Sub publisher
 * (./event-bus.ts): a consumer that only parses it (the study messages)
 * must not load the Pub/Sub client library at a cold start.
 */
import { z } from "zod";
import { JOB_STATES } from "../schemas/job-state.ts";

export const JobFinishedEvent = z.object({
  type: z.literal("job.finished"),
  /** Deterministic per job ("<namespace>:<jobId>:finished"): a consumer that has seen it drops the repeat. */
  eventId: z.string(),
  jobId: z.string(),
  /** Job ids are unique within a namespace: (namespace, jobId) names the job. */
  namespace: z.string(),
  state: z.enum(JOB_STATES),
  reason: z.string().optional(),
  exitCode: z.number().int().optional(),
  finishedAt: z.string(),
});
export type JobFinishedEvent = z.infer<typeof JobFinishedEvent>;
