/**
 * zod's issues as Kinetic's: one {field, message} per problem with a
 * readable path, a "did you mean" for unknown fields, and the KineticError
 * parseJobSpec throws.
 */
import { distance } from "fastest-levenshtein";
import type { z } from "zod";
import { KineticError, type FieldIssue } from "../errors.ts";
import { JobSpecInput } from "./job-spec-input.ts";

const KNOWN_FIELDS = Object.keys(JobSpecInput.shape);
// Nested objects whose unknown keys get a "did you mean" too (keyed by the top-level field).
const NESTED_FIELDS: Record<string, readonly string[]> = {
  tolerations: ["key", "operator", "value", "effect", "tolerationSeconds"],
  securityContext: ["privileged", "allowPrivilegeEscalation", "runAsUser", "runAsGroup", "runAsNonRoot"],
  tmpfs: ["enabled", "size", "path", "tempdir"],
  resources: ["requests", "limits"],
  reservation: ["name", "project"],
};

/** Render a zod path as "tolerations.0.key" or labels["app.kubernetes.io/name"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += out ? `.${seg}` : String(seg);
    else if (typeof seg === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || "(spec)";
}

function suggestField(key: string, known: readonly string[]): string {
  const k = key.toLowerCase();
  // Nearest by edit distance; on a tie prefer a name that is a prefix of the typo or vice versa ("cpus" → "cpu").
  const rank = (name: string) => {
    const n = name.toLowerCase();
    return [distance(k, n), k.startsWith(n) || n.startsWith(k) ? 0 : 1] as const;
  };
  const best = [...known].sort((a, b) => {
    const [da, pa] = rank(a);
    const [db, pb] = rank(b);
    return da - db || pa - pb;
  })[0];
  return best && rank(best)[0] <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${best}"?` : "";
}

function toFieldIssues(error: z.ZodError): { issues: FieldIssue[]; unknownAccelerator: boolean } {
  const issues: FieldIssue[] = [];
  let unknownAccelerator = false;
  for (const i of error.issues) {
    if (i.code === "unrecognized_keys") {
      const known = i.path.length === 0 ? KNOWN_FIELDS : (NESTED_FIELDS[String(i.path[0])] ?? []);
      for (const key of i.keys)
        issues.push({
          field: formatPath([...i.path, key]),
          message: `unknown field "${key}"${suggestField(key, known)}`,
        });
      continue;
    }
    if (
      i.code === "custom" &&
      (i.params as { kineticCode?: string } | undefined)?.kineticCode === "unknown-accelerator"
    )
      unknownAccelerator = true;
    issues.push({ field: formatPath(i.path), message: i.message });
  }
  return { issues, unknownAccelerator };
}

/**
 * The error for a spec that failed to parse: "unknown-accelerator" when the
 * accelerator string is not in the catalog, else "invalid-argument", with
 * every problem listed as {field, message}.
 */
export function jobSpecError(error: z.ZodError): KineticError {
  const { issues, unknownAccelerator } = toFieldIssues(error);
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  return new KineticError(
    unknownAccelerator ? "unknown-accelerator" : "invalid-argument",
    `invalid job spec: ${summary}`,
    {
      issues,
    },
  );
}
