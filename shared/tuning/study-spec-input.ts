/**
 * A study's fields as a user writes them, mirroring Kaptain's
 * `Model.tune()` (snake_case there, camelCase here) with Katib's semantics:
 * each field's own checks and its default. Cross-field rules are in
 * study-rules.ts; parseStudySpec (study-spec.ts) applies both.
 */
import { z } from "zod";
import { caseInsensitiveEnum } from "../schemas/job-spec-fields.ts";
import { Hyperparameters } from "./hyperparameters.ts";

export const OBJECTIVE_TYPES = ["maximize", "minimize"] as const;
/** best: min of the series when minimising, max when maximising (Katib's webhook default); latest: the last value. */
export const METRIC_STRATEGIES = ["best", "latest"] as const;
/** What happens to running trials once the goal is reached. */
export const ON_GOAL = ["cancel", "finish"] as const;
export const EARLY_STOPPING = ["medianstop"] as const;

/** Kaptain's defaults (trials 16, parallel 2, failed 4, random, maximize) and Kinetic's (cancel on goal). */
export const STUDY_DEFAULTS = {
  trials: 16,
  parallelTrials: 2,
  failedTrials: 4,
  algorithm: "random",
  objectiveType: "maximize",
  metricStrategy: "best",
  onGoal: "cancel",
  deleteStudy: false,
} as const;

export const STUDY_LIMITS = {
  trials: 10_000,
  parallelTrials: 1_000,
  objectives: 32,
  /** The study as JSON, before any field is looked at. */
  specBytes: 512 * 1024,
} as const;

/** Study ids name trials (`<study>-<index>`) and jobs: a DNS label short enough to leave room (Katib: ≤ 40). */
export const STUDY_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
/** Metric names as the `name=value` parser reads them. */
export const METRIC_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_./-]{0,63}$/;

const whole = (min: number, max: number) =>
  z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const MetricName = z
  .string()
  .regex(METRIC_NAME_PATTERN, "must be a metric name: a letter or '_', then letters, digits, '_', '.', '/' or '-'");

const EarlyStopping = z.strictObject({
  algorithm: caseInsensitiveEnum(EARLY_STOPPING),
  /** min_trials_required (default 3, > 0) and start_step (default 4, ≥ 1), Katib's medianstop. */
  settings: z.unknown().optional(),
});

export const StudySpecInput = z.strictObject({
  /** Client-chosen study id (idempotency); trial k's job id is `<id>-<k>`. */
  id: z
    .string()
    .regex(
      STUDY_ID_PATTERN,
      "must be 1–40 lowercase letters, digits or '-', starting and ending with a letter or digit",
    )
    .optional(),
  hyperparameters: Hyperparameters,
  /** The first one drives decisions; the rest are recorded. */
  objectives: z
    .array(MetricName)
    .min(1, "must name at least one metric")
    .max(STUDY_LIMITS.objectives, `at most ${STUDY_LIMITS.objectives}`)
    // Katib: additional metrics must not repeat the objective.
    .superRefine((names, ctx) => {
      for (const [i, n] of names.entries())
        if (names.indexOf(n) < i) ctx.addIssue({ code: "custom", path: [i], message: `"${n}" is listed twice` });
    }),
  /** Stop once a finished trial reaches it (inclusive). */
  objectiveGoal: z.number({ error: "must be a number" }).refine(Number.isFinite, "must be a finite number").optional(),
  objectiveType: caseInsensitiveEnum(OBJECTIVE_TYPES).optional(),
  metricStrategy: caseInsensitiveEnum(METRIC_STRATEGIES).optional(),
  trials: whole(1, STUDY_LIMITS.trials).optional(),
  parallelTrials: whole(1, STUDY_LIMITS.parallelTrials).optional(),
  /** The study fails when this many trials failed (>=); null: failures never fail it. */
  failedTrials: whole(0, STUDY_LIMITS.trials).nullable().optional(),
  algorithm: z.string({ error: "must be a string" }).optional(),
  /** {name: value} (Kaptain) or [{name, value}] (Katib). */
  algorithmSettings: z.unknown().optional(),
  onGoal: caseInsensitiveEnum(ON_GOAL).optional(),
  /** Any Kinetic job spec; `${name}` in args and env takes each trial's value. timeoutSeconds is the per-trial limit. */
  trialTemplate: z.record(z.string(), z.unknown(), { error: "must be a job spec object" }),
  /** Delete finished trial workloads after this many seconds (results are kept). */
  ttlSecondsAfterFinished: whole(0, 2147483647).optional(),
  /** Delete the study and its trial records once it ends (Kaptain's delete_experiment). */
  deleteStudy: z.boolean({ error: "must be true or false" }).optional(),
  /** Wall-clock limit for the whole study from creation. */
  timeoutSeconds: whole(1, 365 * 24 * 3600).optional(),
  earlyStopping: EarlyStopping.optional(),
});
export type StudySpecInput = z.input<typeof StudySpecInput>;
export type RawStudySpec = z.output<typeof StudySpecInput>;
