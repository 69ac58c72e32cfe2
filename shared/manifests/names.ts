/**
 * Deterministic Kubernetes names for a job's workload. The same job id always
 * gives the same name, so a redelivered submit hits a 409 instead of creating
 * a twin. Names are short enough for JobSet's derived names: child Jobs are
 * `<js>-<rjob>-<jobIdx>`, pod hostnames `<js>-<rjob>-<jobIdx>-<podIdx>` (a
 * DNS label, ≤ 63) and pod names add `-<5 random>`; the JobSet's headless
 * Service shares its name, so it must start with a letter (DNS-1035).
 */
import { createHash } from "node:crypto";

/** Longest workload name: 63 − len("-worker-9999-9999-abcde"). */
export const WORKLOAD_NAME_MAX = 40;
const HASH_LENGTH = 8;

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_LENGTH);
}

/**
 * The workload name for a job id: the id lower-cased with invalid characters
 * turned into '-', prefixed "j-" unless it starts with a letter. When that
 * changes the id (case, characters, prefix) or it is longer than
 * WORKLOAD_NAME_MAX, a hash of the full id is appended so distinct ids never
 * share a name.
 *
 * @example workloadName("train-7") === "train-7"
 */
export function workloadName(jobId: string): string {
  let base = jobId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(base)) base = base ? `j-${base}` : "j";
  if (base === jobId && base.length <= WORKLOAD_NAME_MAX) return base;
  const head = base.slice(0, WORKLOAD_NAME_MAX - HASH_LENGTH - 1).replace(/-+$/, "");
  return `${head}-${shortHash(jobId)}`;
}
