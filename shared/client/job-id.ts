/**
 * Client-side job ids, for submissions that need an id before the server sees
 * them (Pub/Sub publishes, so the user can track the job at once). Lowercase
 * DNS-label safe, so the id can name Kubernetes objects; time-prefixed so ids
 * sort roughly by submission.
 */
import { randomBytes } from "node:crypto";

export function newJobId(now: Date = new Date()): string {
  const time = now.getTime().toString(36);
  const rand = BigInt("0x" + randomBytes(6).toString("hex"))
    .toString(36)
    .padStart(10, "0")
    .slice(-10);
  return `job-${time}-${rand}`;
}
