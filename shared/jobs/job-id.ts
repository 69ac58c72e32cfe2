/**
 * Job ids. A client-chosen id is the idempotency key; without one, the key
 * is derived from what the transport keeps stable across redeliveries.
 */
import { createHash, randomBytes } from "node:crypto";

export { JOB_ID_PATTERN } from "../schemas/job-spec-fields.ts";

/** A stable id from an idempotency key (Pub/Sub message id, Idempotency-Key header…). */
export function deriveJobId(key: string): string {
  return "j-" + createHash("sha256").update(key).digest("hex").slice(0, 20);
}

export function newJobId(): string {
  return "j-" + randomBytes(10).toString("hex");
}
