/**
 * Job ids: one type, one format, one place, for the client and the server.
 *
 * A client-chosen id is the idempotency key; without one the server derives
 * the id from what the transport keeps stable across redeliveries (message
 * id, Idempotency-Key), and a caller that needs an id before the server sees
 * the job (a Pub/Sub publish) generates one.
 *
 * Ids double as Firestore document ids and as the kinetic.dev/job-id label,
 * so they follow the label-value rule (which also keeps '/', '.'/'..' and
 * Firestore's reserved __x__ ids out). Generated and derived ids are
 * `j-` + 20 hex digits: lowercase DNS labels that name Kubernetes objects
 * unchanged, and random rather than time-ordered so Firestore writes do not
 * pile onto one key range.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

export const JOB_ID_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

export const JobId = z
  .string()
  .regex(
    JOB_ID_PATTERN,
    "must be 1–63 characters: letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
  )
  .brand<"JobId">();
/** A string known to match JOB_ID_PATTERN. */
export type JobId = z.infer<typeof JobId>;

export function isJobId(value: unknown): value is JobId {
  return typeof value === "string" && JOB_ID_PATTERN.test(value);
}

/** A stable id from an idempotency key (Pub/Sub message id, Idempotency-Key header…). */
export function deriveJobId(key: string): JobId {
  return ("j-" + createHash("sha256").update(key).digest("hex").slice(0, 20)) as JobId;
}

/** A fresh random id, for a job submitted without one. */
export function newJobId(): JobId {
  return ("j-" + randomBytes(10).toString("hex")) as JobId;
}
