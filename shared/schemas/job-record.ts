/**
 * The job record: what Firestore holds at jobs/{jobId} and what the API
 * returns. The API and the CLI/SDK both parse it with this schema.
 */
import { z } from "zod";
import { JOB_STATES } from "./job-state.ts";
import { JobAttempt } from "./job-attempts.ts";

export const JobEvent = z.object({
  at: z.string(),
  state: z.enum(JOB_STATES),
  reason: z.string(),
  message: z.string().optional(),
});
export type JobEvent = z.infer<typeof JobEvent>;

export const WorkloadRefSchema = z.object({
  kind: z.enum(["Job", "JobSet"]),
  name: z.string(),
  namespace: z.string(),
});

export const JobRecord = z.object({
  id: z.string(),
  state: z.enum(JOB_STATES),
  namespace: z.string(),
  /** The accelerator string as given (e.g. "tpu-v6e-8"), or "cpu". */
  accelerator: z.string(),
  /** The image the job runs; for a job with a build, `repository@sha256:…` once the build succeeded. */
  image: z.string().optional(),
  /** The build a job with a `build` waits on (or waited on): builds/{buildId}. */
  buildId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Short machine reason for the current state (e.g. Unschedulable, DeadlineExceeded). */
  reason: z.string().optional(),
  /** Human message for the current state (scheduler message, validation error…). */
  message: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** Since when every accelerator of the running job has been below the low-utilization threshold (checkUtilization). */
  lowUtilizationSince: z.string().optional(),
  workload: WorkloadRefSchema.optional(),
  /** The current attempt (1 unless preemptions restarted the job) and every attempt so far, oldest first. */
  attempt: z.number().int().optional(),
  attempts: z.array(JobAttempt).optional(),
  /** Where the job's outputs go (KINETIC_OUTPUT_DIR): `<prefix>/<namespace>/<id>/`. */
  outputDir: z.string().optional(),
  /** The validated job spec as submitted (secrets are names only, never values). */
  spec: z.record(z.string(), z.unknown()).optional(),
  /** Lifecycle history, oldest first (GET /jobs/{id} includes it). */
  events: z.array(JobEvent).optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;

export const JobListResponse = z.object({
  jobs: z.array(JobRecord),
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});
export type JobListResponse = z.infer<typeof JobListResponse>;

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;
