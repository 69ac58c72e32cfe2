/**
 * The job spec's size limits (JOB_SPEC_LIMITS), checked before zod sees the
 * input: a spec that is not a plain object, too large, or with too many
 * entries in a list or map is refused with one issue per limit, without
 * validating (or listing problems for) each entry. That keeps the cost of bad
 * input proportional to the limits, not to the input.
 */
import type { FieldIssue } from "../errors.ts";
import { JOB_SPEC_LIMITS } from "./job-spec-input.ts";

type CountedField = Exclude<keyof typeof JOB_SPEC_LIMITS, "specBytes" | "resources">;

const COUNTED = Object.keys(JOB_SPEC_LIMITS).filter((k): k is CountedField => k !== "specBytes" && k !== "resources");

/** True for what JSON.parse makes of "{…}" (not an array, a Buffer or a class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** UTF-8 size of the value as JSON; undefined when it is not plain JSON (a BigInt, a cycle). */
export function jsonBytes(v: unknown): number | undefined {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? undefined : Buffer.byteLength(text);
  } catch {
    return undefined;
  }
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(0)} KiB`
      : `${n} bytes`;
}

/** The issue for a spec larger than the limit, or undefined. */
export function specSizeIssue(v: unknown, what = "the job spec"): FieldIssue | undefined {
  const bytes = jsonBytes(v);
  if (bytes === undefined) return { field: "(spec)", message: `${what} must be plain JSON` };
  if (bytes <= JOB_SPEC_LIMITS.specBytes) return undefined;
  const limit = JOB_SPEC_LIMITS.specBytes;
  return {
    field: "(spec)",
    message: `${what} is ${bytes} bytes as JSON; the limit is ${limit} (${formatBytes(limit)})`,
  };
}

/** How many entries a list or map field holds; undefined for any other value (zod reports those). */
function entries(field: string, v: unknown): number | undefined {
  if (Array.isArray(v)) return v.length;
  if (isPlainObject(v)) return Object.keys(v).length;
  // Metaflow's node selector string "k=v,k2=v2".
  if (field === "nodeSelector" && typeof v === "string") return v.split(",").filter((p) => p.trim()).length;
  return undefined;
}

function tooMany(field: string, count: number | undefined, max: number): FieldIssue[] {
  return count !== undefined && count > max ? [{ field, message: `at most ${max} entries (got ${count})` }] : [];
}

/**
 * Everything wrong with the input's shape and size, before any field is
 * checked: an empty list when zod may go on.
 */
export function specLimitIssues(input: unknown): FieldIssue[] {
  if (!isPlainObject(input)) {
    const got = Array.isArray(input)
      ? "an array"
      : Buffer.isBuffer(input)
        ? "binary data"
        : input === null
          ? "null"
          : typeof input;
    return [{ field: "(spec)", message: `expected a JSON object (got ${got})` }];
  }
  const size = specSizeIssue(input);
  const issues: FieldIssue[] = size ? [size] : [];
  for (const field of COUNTED) issues.push(...tooMany(field, entries(field, input[field]), JOB_SPEC_LIMITS[field]));
  const resources = input.resources;
  if (isPlainObject(resources))
    for (const side of ["requests", "limits"])
      issues.push(...tooMany(`resources.${side}`, entries(side, resources[side]), JOB_SPEC_LIMITS.resources));
  return issues;
}
