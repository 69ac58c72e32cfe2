/**
 * The four hyperparameter domains of Kaptain's `tune()`, as JSON:
 * Double(min, max), Integer(min, max), Discrete(values) and
 * Categorical(values), plus what Katib and Optuna add: a log scale and an
 * optional step. Each domain checks itself here (the reference's pain points:
 * a log scale over min ≤ 0 crashed Katib's suggestion pod, #2678); rules that
 * span the study live in study-rules.ts.
 *
 * @example { lr: { type: "double", min: 1e-5, max: 0.1, log: true }, opt: { type: "categorical", values: ["adam", "sgd"] } }
 */
import { z } from "zod";

export const PARAMETER_TYPES = ["double", "integer", "discrete", "categorical"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** Bounds that keep a study record small and a search space tractable. */
export const HYPERPARAMETER_LIMITS = { parameters: 50, values: 1000, valueChars: 256 } as const;

/**
 * Names: identifiers, or Kaptain's argument spelling ("--lr"). They appear
 * as `${name}` placeholders and, without placeholders, as `--name=value` args.
 */
export const PARAMETER_NAME = /^-{0,2}[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be a finite number");
const whole = z.number({ error: "must be a number" }).int("must be a whole number");

const DoubleParam = z.strictObject({
  type: z.literal("double"),
  min: finite,
  max: finite,
  /** Sample log-uniformly (min must be > 0). */
  log: z.boolean().optional(),
  /** Quantise to min + k·step (grid needs it or gridPoints). */
  step: finite.positive("must be > 0").optional(),
});

const IntegerParam = z.strictObject({
  type: z.literal("integer"),
  min: whole,
  max: whole,
  log: z.boolean().optional(),
  step: whole.positive("must be > 0").optional(),
});

const DiscreteParam = z.strictObject({
  type: z.literal("discrete"),
  values: z.array(finite).min(1, "must list at least one value").max(HYPERPARAMETER_LIMITS.values),
});

const CategoricalParam = z.strictObject({
  type: z.literal("categorical"),
  values: z
    .array(z.string().min(1, "must not be empty").max(HYPERPARAMETER_LIMITS.valueChars))
    .min(1, "must list at least one value")
    .max(HYPERPARAMETER_LIMITS.values),
});

// Kaptain writes Double/Integer; Katib writes int.
const TYPE_ALIASES: Record<string, ParameterType> = { int: "integer", float: "double" };

function checkDomain(p: z.output<typeof ParamUnion>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (p.type === "double" || p.type === "integer") {
    if (p.type === "double" ? p.min >= p.max : p.min > p.max)
      issue("max", `must be ${p.type === "double" ? "greater than" : "at least"} min (${p.min}); got ${p.max}`);
    else if (p.step !== undefined && p.max > p.min && p.step > p.max - p.min)
      issue("step", `must not exceed max − min (${p.max - p.min}); got ${p.step}`);
    if (p.log && p.type === "double" && p.min <= 0) issue("min", `must be > 0 on a log scale; got ${p.min}`);
    if (p.log && p.type === "integer" && p.min < 1) issue("min", `must be ≥ 1 on a log scale; got ${p.min}`);
    // Optuna's rule: a quantised log scale has no single obvious lattice.
    if (p.log && p.step !== undefined && !(p.type === "integer" && p.step === 1))
      issue("step", "cannot be combined with log");
    return;
  }
  const seen = new Set<string | number>();
  for (const [i, v] of p.values.entries()) {
    if (seen.has(v))
      ctx.addIssue({ code: "custom", path: ["values", i], message: `${JSON.stringify(v)} is listed twice` });
    seen.add(v);
  }
}

const ParamUnion = z.discriminatedUnion("type", [DoubleParam, IntegerParam, DiscreteParam, CategoricalParam], {
  error: (i) =>
    i.code === "invalid_union" ? `type must be one of ${PARAMETER_TYPES.join(", ")}` : "must be a parameter object",
});

/** One hyperparameter's domain; `type` is matched case-insensitively ("Double" as Kaptain spells it). */
export const Hyperparameter = z.preprocess((v) => {
  if (typeof v !== "object" || v === null || typeof (v as { type?: unknown }).type !== "string") return v;
  const t = ((v as { type: string }).type as string).toLowerCase();
  return { ...v, type: TYPE_ALIASES[t] ?? t };
}, ParamUnion.superRefine(checkDomain));
export type Hyperparameter = z.output<typeof ParamUnion>;

/** The search space as the user writes it: {name: domain}. */
export const Hyperparameters = z.record(z.string(), Hyperparameter).superRefine((params, ctx) => {
  const names = Object.keys(params);
  if (names.length === 0) ctx.addIssue({ code: "custom", message: "must define at least one hyperparameter" });
  if (names.length > HYPERPARAMETER_LIMITS.parameters)
    ctx.addIssue({
      code: "custom",
      message: `at most ${HYPERPARAMETER_LIMITS.parameters} hyperparameters; got ${names.length}`,
    });
  for (const name of names)
    if (!PARAMETER_NAME.test(name))
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "name must be a letter or '_' (optionally after '--'), then letters, digits, '_', '.' or '-'",
      });
});
export type Hyperparameters = z.output<typeof Hyperparameters>;

/** A value a trial receives for one parameter. */
export type ParameterValue = number | string;
/** One trial's parameters: {name: value}. */
export type Assignment = Record<string, ParameterValue>;
