/**
 * The study's rules that span fields, each reported against the field a
 * user must change: budgets (parallelTrials and failedTrials within trials;
 * Katib's webhook checks), the algorithm and its settings, early stopping,
 * and the trial template (a Kinetic job spec whose problems are reported as
 * trialTemplate.<field>, and whose `${name}` placeholders must name
 * hyperparameters).
 */
import { distance } from "fastest-levenshtein";
import { KineticError, type FieldIssue } from "../errors.ts";
import { parseJobSpec, type JobSpec } from "../schemas/job-spec.ts";
import {
  ALGORITHMS,
  NOT_AVAILABLE,
  parseAlgorithmSettings,
  settingsRecord,
  type Algorithm,
  type AlgorithmSettings,
} from "./algorithms.ts";
import { placeholders } from "./substitute.ts";
import type { RawStudySpec } from "./study-spec-input.ts";

export interface EarlyStoppingSpec {
  algorithm: "medianstop";
  settings: { min_trials_required: number; start_step: number };
}

export interface CheckedParts {
  algorithm: Algorithm;
  algorithmSettings: AlgorithmSettings;
  trialTemplate: JobSpec;
  earlyStopping?: EarlyStoppingSpec;
}

/** The closest name within a third of its length, as " did you mean …?". */
export function didYouMean(word: string, known: readonly string[]): string {
  let best: string | undefined;
  for (const k of known) if (!best || distance(word, k) < distance(word, best)) best = k;
  return best && distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean "${best}"?` : "";
}

function budgetIssues(raw: RawStudySpec, explicit: (k: keyof RawStudySpec) => boolean): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const trials = raw.trials ?? 16;
  if (explicit("parallelTrials") && raw.parallelTrials! > trials)
    issues.push({
      field: "parallelTrials",
      message: `must be at most trials (${trials}); got ${raw.parallelTrials}: no more than trials can ever run`,
    });
  if (typeof raw.failedTrials === "number" && raw.failedTrials > trials)
    issues.push({ field: "failedTrials", message: `must be at most trials (${trials}); got ${raw.failedTrials}` });
  return issues;
}

function algorithmIssues(raw: RawStudySpec): {
  issues: FieldIssue[];
  algorithm?: Algorithm;
  settings?: AlgorithmSettings;
} {
  const name = (raw.algorithm ?? "random").toLowerCase();
  const algorithm = ALGORITHMS.find((a) => a === name);
  if (!algorithm) {
    const why = NOT_AVAILABLE[name];
    const message = why
      ? `"${raw.algorithm}" is not available in Kinetic: ${why}`
      : `unknown algorithm "${raw.algorithm}" (known: ${ALGORITHMS.join(", ")})${didYouMean(name, ALGORITHMS)}`;
    return { issues: [{ field: "algorithm", message }] };
  }
  const { settings, issues } = parseAlgorithmSettings(algorithm, raw.algorithmSettings);
  return {
    algorithm,
    settings,
    issues: issues.map((i) => ({
      field: i.field ? `algorithmSettings.${i.field}` : "algorithmSettings",
      message: i.message,
    })),
  };
}

function earlyStoppingIssues(raw: RawStudySpec): { issues: FieldIssue[]; spec?: EarlyStoppingSpec } {
  if (!raw.earlyStopping) return { issues: [] };
  const record = settingsRecord(raw.earlyStopping.settings);
  if (!record)
    return { issues: [{ field: "earlyStopping.settings", message: "must be {name: value} or [{name, value}]" }] };
  const settings = { min_trials_required: 3, start_step: 4 };
  const issues: FieldIssue[] = [];
  for (const [k, v] of Object.entries(record)) {
    const field = `earlyStopping.settings.${k}`;
    if (!(k in settings)) {
      issues.push({ field, message: `unknown setting for medianstop; known: ${Object.keys(settings).join(", ")}` });
      continue;
    }
    const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
      issues.push({ field, message: "must be a whole number from 1 up" });
    else settings[k as keyof typeof settings] = n;
  }
  return { issues, spec: { algorithm: "medianstop", settings } };
}

function templateIssues(raw: RawStudySpec): { issues: FieldIssue[]; template?: JobSpec } {
  const issues: FieldIssue[] = [];
  if ("id" in raw.trialTemplate)
    issues.push({ field: "trialTemplate.id", message: "is set by the study: trial k's job id is <study>-<k>" });
  let template: JobSpec;
  try {
    template = parseJobSpec(raw.trialTemplate);
  } catch (err) {
    if (!(err instanceof KineticError)) throw err;
    const prefix = (f: string) => (f === "(spec)" ? "trialTemplate" : `trialTemplate.${f}`);
    return { issues: [...issues, ...err.issues.map((i) => ({ field: prefix(i.field), message: i.message }))] };
  }
  const names = Object.keys(raw.hyperparameters);
  const check = (field: string, text: string) => {
    for (const name of placeholders(text))
      if (!names.includes(name))
        issues.push({ field, message: `\${${name}} names no hyperparameter${didYouMean(name, names)}` });
  };
  for (const [i, a] of (template.args ?? []).entries()) check(`trialTemplate.args.${i}`, a);
  for (const [k, v] of Object.entries(template.env)) check(`trialTemplate.env.${k}`, v);
  for (const [i, c] of (template.command ?? []).entries())
    if (placeholders(c).length)
      issues.push({ field: `trialTemplate.command.${i}`, message: "parameters are substituted in args and env only" });
  return { issues, template };
}

/** Every cross-field problem, and the parts they normalise when there is none. */
export function checkStudyRules(
  raw: RawStudySpec,
  explicit: (k: keyof RawStudySpec) => boolean,
): { issues: FieldIssue[]; parts?: CheckedParts } {
  const algo = algorithmIssues(raw);
  const early = earlyStoppingIssues(raw);
  const tmpl = templateIssues(raw);
  const issues = [...budgetIssues(raw, explicit), ...algo.issues, ...early.issues, ...tmpl.issues];
  if (issues.length || !algo.algorithm || !algo.settings || !tmpl.template) return { issues };
  return {
    issues,
    parts: {
      algorithm: algo.algorithm,
      algorithmSettings: algo.settings,
      trialTemplate: tmpl.template,
      ...(early.spec ? { earlyStopping: early.spec } : {}),
    },
  };
}
