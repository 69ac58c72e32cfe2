/**
 * zod's issues as Kinetic's: one {field, message} per problem with a
 * readable path, a "did you mean" for unknown fields, and the KineticError
 * parseJobSpec throws. The list is bounded: the first MAX_ISSUES problems,
 * each cut to a readable length, then one line counting the rest, so an
 * error (and the REJECTED record that keeps it) stays small however bad the
 * input is.
 */
import { distance } from "fastest-levenshtein";
import type { z } from "zod";
import { KineticError, truncateText, type FieldIssue } from "../errors.ts";
import { JobSpecInput } from "./job-spec-input.ts";

/** Problems listed one by one; the rest are counted. */
export const MAX_ISSUES = 20;
const MAX_FIELD_CHARS = 200;
const MAX_ISSUE_CHARS = 400;
// Longer keys are no typo of a field name: skip the edit-distance search (it costs length × length).
const MAX_SUGGEST_KEY = 64;

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
    else out += `[${JSON.stringify(truncateText(String(seg), MAX_FIELD_CHARS))}]`;
  }
  return out || "(spec)";
}

function suggestField(key: string, known: readonly string[]): string {
  if (key.length > MAX_SUGGEST_KEY) return "";
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

/** Collects at most MAX_ISSUES issues, each cut to size, and counts the ones left out. */
class IssueList {
  readonly issues: FieldIssue[] = [];
  omitted = 0;

  get full(): boolean {
    return this.issues.length >= MAX_ISSUES;
  }

  /** Adds one issue; `describe` runs only when there is room, so skipped issues cost nothing. */
  add(describe: () => FieldIssue): void {
    if (this.full) {
      this.omitted++;
      return;
    }
    const { field, message } = describe();
    this.issues.push({ field: truncateText(field, MAX_FIELD_CHARS), message: truncateText(message, MAX_ISSUE_CHARS) });
  }

  /** The issues, with a last line counting the omitted ones. */
  list(): FieldIssue[] {
    if (!this.omitted) return this.issues;
    const more = `${this.omitted} more problem${this.omitted === 1 ? "" : "s"} not listed; fix the ones above first`;
    return [...this.issues, { field: "(spec)", message: more }];
  }
}

function toFieldIssues(error: z.ZodError): { list: IssueList; unknownAccelerator: boolean } {
  const list = new IssueList();
  let unknownAccelerator = false;
  for (const i of error.issues) {
    if (i.code === "unrecognized_keys") {
      const known = i.path.length === 0 ? KNOWN_FIELDS : (NESTED_FIELDS[String(i.path[0])] ?? []);
      for (const [n, key] of i.keys.entries()) {
        if (list.full) {
          list.omitted += i.keys.length - n;
          break;
        }
        list.add(() => ({
          field: formatPath([...i.path, key]),
          message: `unknown field "${truncateText(key, MAX_SUGGEST_KEY)}"${suggestField(key, known)}`,
        }));
      }
      continue;
    }
    if (
      i.code === "custom" &&
      (i.params as { kineticCode?: string } | undefined)?.kineticCode === "unknown-accelerator"
    )
      unknownAccelerator = true;
    list.add(() => ({ field: formatPath(i.path), message: i.message }));
  }
  return { list, unknownAccelerator };
}

/** The error for issues found before zod ran (job-spec-limits.ts), or after it (the normalised size). */
export function specIssuesError(issues: FieldIssue[]): KineticError {
  const list = new IssueList();
  for (const issue of issues) list.add(() => issue);
  return errorFrom("invalid-argument", list);
}

function errorFrom(code: "invalid-argument" | "unknown-accelerator", list: IssueList): KineticError {
  const issues = list.list();
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  return new KineticError(code, `invalid job spec: ${summary}`, { issues });
}

/**
 * The error for a spec that failed to parse: "unknown-accelerator" when the
 * accelerator string is not in the catalog, else "invalid-argument", with
 * the first MAX_ISSUES problems listed as {field, message}.
 */
export function jobSpecError(error: z.ZodError): KineticError {
  const { list, unknownAccelerator } = toFieldIssues(error);
  return errorFrom(unknownAccelerator ? "unknown-accelerator" : "invalid-argument", list);
}
