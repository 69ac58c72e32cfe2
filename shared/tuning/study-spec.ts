/**
 * The study spec: what a user submits to tune hyperparameters, Kaptain's
 * `Model.tune()` as JSON on Katib's semantics (shared/reference/tuning.md).
 * parseStudySpec validates, reports every problem as {field, message} in
 * Kinetic's error shape (as parseJobSpec does), fills the defaults and
 * normalises; the parsed spec is itself valid input and parses to itself.
 *
 * Decisions where Kaptain and Katib leave room:
 * - A default parallelTrials (2) or failedTrials (4) larger than `trials` is
 *   lowered to `trials`; an explicit one is rejected (reference check 4).
 * - `failedTrials: null` means failures never fail the study (Katib's unset).
 * - A grid smaller than `trials` is not an error: the whole grid runs and the
 *   study ends Succeeded with the note from studyNotes (Kinetic decision).
 * - The trial template is a full Kinetic job spec; its timeoutSeconds is the
 *   per-trial limit (the Job's activeDeadlineSeconds); its id is the study's.
 *
 * @example parseStudySpec({ hyperparameters: { lr: { type: "double", min: 1e-4, max: 0.1, log: true } }, objectives: ["accuracy"], trialTemplate: { image: "python:3.12", command: ["python", "train.py"] } }).trials === 16
 */
import type { z } from "zod";
import { KineticError, truncateText, type FieldIssue } from "../errors.ts";
import { formatPath } from "../schemas/job-spec-issues.ts";
import { buildGrid } from "./search/grid.ts";
import { buildSpace } from "./search/space.ts";
import { checkStudyRules, didYouMean } from "./study-rules.ts";
import { STUDY_DEFAULTS, STUDY_LIMITS, StudySpecInput, type RawStudySpec } from "./study-spec-input.ts";

export {
  METRIC_STRATEGIES,
  OBJECTIVE_TYPES,
  ON_GOAL,
  STUDY_DEFAULTS,
  STUDY_LIMITS,
  StudySpecInput,
} from "./study-spec-input.ts";

const MAX_ISSUES = 20;
const KNOWN_FIELDS = Object.keys(StudySpecInput.shape);

function zodIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of error.issues) {
    if (i.code === "unrecognized_keys") {
      const known = i.path.length === 0 ? KNOWN_FIELDS : [];
      for (const key of i.keys)
        out.push({ field: formatPath([...i.path, key]), message: `unknown field "${key}"${didYouMean(key, known)}` });
    } else out.push({ field: formatPath(i.path), message: i.message });
  }
  return out;
}

function studyError(issues: FieldIssue[]): KineticError {
  const shown = issues.slice(0, MAX_ISSUES).map((i) => ({ field: i.field, message: truncateText(i.message, 400) }));
  if (issues.length > MAX_ISSUES)
    shown.push({
      field: "(spec)",
      message: `${issues.length - MAX_ISSUES} more problems not listed; fix the ones above first`,
    });
  const summary = shown.map((i) => `${i.field}: ${i.message}`).join("; ");
  return new KineticError("invalid-argument", `invalid study spec: ${summary}`, { issues: shown });
}

function normalize(raw: RawStudySpec, parts: NonNullable<ReturnType<typeof checkStudyRules>["parts"]>) {
  const trials = raw.trials ?? STUDY_DEFAULTS.trials;
  const spec = {
    id: raw.id,
    hyperparameters: raw.hyperparameters,
    objectives: raw.objectives,
    objectiveGoal: raw.objectiveGoal,
    objectiveType: raw.objectiveType ?? STUDY_DEFAULTS.objectiveType,
    metricStrategy: raw.metricStrategy ?? STUDY_DEFAULTS.metricStrategy,
    trials,
    parallelTrials: raw.parallelTrials ?? Math.min(STUDY_DEFAULTS.parallelTrials, trials),
    failedTrials: raw.failedTrials === undefined ? Math.min(STUDY_DEFAULTS.failedTrials, trials) : raw.failedTrials,
    algorithm: parts.algorithm,
    algorithmSettings: parts.algorithmSettings,
    onGoal: raw.onGoal ?? STUDY_DEFAULTS.onGoal,
    trialTemplate: parts.trialTemplate,
    ttlSecondsAfterFinished: raw.ttlSecondsAfterFinished,
    deleteStudy: raw.deleteStudy ?? STUDY_DEFAULTS.deleteStudy,
    timeoutSeconds: raw.timeoutSeconds,
    earlyStopping: parts.earlyStopping,
  };
  // Firestore rejects undefined fields; drop them so the spec stores as-is.
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as typeof spec;
}

export type StudySpec = ReturnType<typeof normalize>;

/**
 * Validate and normalise a study spec. Throws KineticError "invalid-argument"
 * listing the problems as {field, message}: trialTemplate.<field> for the job
 * template, algorithmSettings.<name> for a setting.
 */
export function parseStudySpec(input: unknown): StudySpec {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(input) ?? "");
  } catch {
    throw studyError([{ field: "(spec)", message: "must be JSON" }]);
  }
  if (bytes > STUDY_LIMITS.specBytes)
    throw studyError([
      { field: "(spec)", message: `must be at most ${STUDY_LIMITS.specBytes} bytes as JSON; got ${bytes}` },
    ]);
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw studyError([{ field: "(spec)", message: "must be a study spec object" }]);
  const parsed = StudySpecInput.safeParse(input);
  if (!parsed.success) throw studyError(zodIssues(parsed.error));
  const raw = parsed.data;
  const given = input as Record<string, unknown>;
  const { issues, parts } = checkStudyRules(raw, (k) => given[k] !== undefined);
  if (issues.length || !parts) throw studyError(issues);
  return normalize(raw, parts);
}

/** The number of distinct assignments a grid study can visit; Infinity for other algorithms. */
export function searchSize(spec: StudySpec): number {
  if (spec.algorithm !== "grid") return Infinity;
  return buildGrid(buildSpace(spec.hyperparameters), 0, spec.algorithmSettings.gridPoints).size;
}

/** Trials the study will create at most: `trials`, or the whole grid when it is smaller. */
export function plannedTrials(spec: StudySpec): number {
  return Math.min(spec.trials, searchSize(spec));
}

/** Things a user should know that are not errors (shown on the study's status). */
export function studyNotes(spec: StudySpec): string[] {
  const size = searchSize(spec);
  return size < spec.trials
    ? [`the grid has ${size} points, fewer than trials (${spec.trials}): every point runs once, then the study ends`]
    : [];
}
