/**
 * Parameter substitution into a trial's job: `${name}` in the template's
 * args and env values becomes the trial's value for that parameter (`$${x}`
 * stays a literal `${x}`). A template that references no parameter gets
 * them as trailing `--name=value` args, Kaptain's convention (a name written
 * Kaptain-style, "--lr", is used as is). Values print in their shortest
 * exact form (JavaScript's): 0.3, 0.00001, 1e-7, 12, adam.
 */
import { isJobId, type JobId } from "../schemas/job-id.ts";
import type { JobSpec } from "../schemas/job-spec.ts";
import type { Assignment, ParameterValue } from "./hyperparameters.ts";

const PLACEHOLDER = /\$(\$?)\{([^}]*)\}/g;

/** Parameter names `text` references (escaped `$${…}` excluded). */
export function placeholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (!m[1]) out.push(m[2]!);
  return out;
}

/** How a value appears in args and env. */
export function formatValue(v: ParameterValue): string {
  return typeof v === "number" ? String(v) : v;
}

/** `text` with every `${name}` replaced by the assignment's value; unknown names are left as written. */
export function substitute(text: string, params: Assignment): string {
  return text.replace(PLACEHOLDER, (whole, escaped: string, name: string) => {
    if (escaped) return whole.slice(1);
    const v = params[name];
    return v === undefined ? whole : formatValue(v);
  });
}

/** The `--name=value` arg Kaptain passes for one parameter. */
export function parameterArg(name: string, v: ParameterValue): string {
  return `${name.startsWith("-") ? name : `--${name}`}=${formatValue(v)}`;
}

/** True when the template's args or env values reference any parameter. */
export function usesPlaceholders(template: Pick<JobSpec, "args" | "env">): boolean {
  const texts = [...(template.args ?? []), ...Object.values(template.env ?? {})];
  return texts.some((t) => placeholders(t).length > 0);
}

/**
 * The trial's job spec: the template with `params` substituted into args and
 * env, or appended as `--name=value` args (names sorted) when the template
 * has no placeholders. The study sets the job id.
 *
 * @example trialJobSpec({ ...template, args: ["--lr=${lr}"] }, { lr: 0.01 }).args → ["--lr=0.01"]
 */
export function trialJobSpec<T extends Pick<JobSpec, "args" | "env">>(template: T, params: Assignment): T {
  if (!usesPlaceholders(template)) {
    const extra = Object.keys(params)
      .sort()
      .map((name) => parameterArg(name, params[name]!));
    return { ...template, args: [...(template.args ?? []), ...extra] };
  }
  const env = Object.fromEntries(Object.entries(template.env ?? {}).map(([k, v]) => [k, substitute(v, params)]));
  return {
    ...template,
    ...(template.args ? { args: template.args.map((a) => substitute(a, params)) } : {}),
    ...(template.env ? { env } : {}),
  };
}

/**
 * Trial k's job id, `<study>-<k>`: deterministic, so a dispatch repeated after
 * a crash finds the job it created (reference check 19). A study id (≤ 40
 * characters, study-spec-input.ts) always leaves room for the index.
 */
export function trialJobId(studyId: string, index: number): JobId {
  const id = `${studyId}-${index}`;
  if (!Number.isInteger(index) || index < 0 || !isJobId(id))
    throw new Error(`no trial job id for ${studyId} #${index}`);
  return id;
}
