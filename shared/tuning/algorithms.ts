/**
 * The search algorithms a study may name, and their settings, as data.
 * Names follow Katib; like hyperopt, optuna and skopt (not goptuna), an
 * unknown setting name is rejected, so a typo never silently runs the
 * defaults. Settings arrive as Kaptain's dict ({name: value}) or Katib's
 * list ([{name, value}], values as strings) and leave typed, defaults filled.
 */
import type { FieldIssue } from "../errors.ts";
import { ACQUISITIONS } from "./search/acquisition.ts";
import { DEFAULT_GRID_POINTS } from "./search/grid.ts";

export const ALGORITHMS = ["random", "grid", "bayesianoptimization"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const DEFAULT_ALGORITHM: Algorithm = "random";

export function isAlgorithm(v: unknown): v is Algorithm {
  return typeof v === "string" && (ALGORITHMS as readonly string[]).includes(v);
}

/** Katib algorithms Kinetic does not run, with what to use instead. */
export const NOT_AVAILABLE: Record<string, string> = {
  tpe: "use bayesianoptimization (a Gaussian process with expected improvement; it beats TPE on the tuning bench)",
  "multivariate-tpe": "use bayesianoptimization",
  cmaes: "use bayesianoptimization",
  sobol: "use random or grid",
  hyperband: "early stopping by resource is not available; use bayesianoptimization",
  pbt: "population-based training is not available",
  enas: "neural architecture search is not available",
  darts: "neural architecture search is not available",
};

type Value = string | number | boolean;
type Rule = (v: Value) => { value: number | string } | { error: string };

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Rule =>
  (v) => {
    const n = typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max
      ? { value: n }
      : { error: `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}` };
  };

const oneOf =
  (values: readonly string[]): Rule =>
  (v) => {
    const hit = values.find((x) => x.toLowerCase() === String(v).toLowerCase());
    return hit ? { value: hit } : { error: `must be one of ${values.join(", ")}` };
  };

/** Per algorithm: each setting's check and default (undefined = no default). */
const SETTINGS: Record<Algorithm, Record<string, { rule: Rule; default?: number | string }>> = {
  random: { random_state: { rule: integer(0, 2 ** 32 - 1) } },
  grid: {
    /** Shuffle seed (Katib's GridSampler takes one too). */
    random_state: { rule: integer(0, 2 ** 32 - 1) },
    /** Points for each Double without a step (Kinetic's rule). */
    gridPoints: { rule: integer(2, 1000), default: DEFAULT_GRID_POINTS },
  },
  bayesianoptimization: {
    random_state: { rule: integer(0, 2 ** 32 - 1) },
    /** Space-filling (Latin hypercube) trials before the model decides. */
    n_initial_points: { rule: integer(1, 1000), default: 5 },
    acq_func: { rule: oneOf(ACQUISITIONS), default: "EI" },
    base_estimator: { rule: oneOf(["GP"]), default: "GP" },
  },
};

export interface AlgorithmSettings {
  random_state?: number;
  gridPoints?: number;
  n_initial_points?: number;
  acq_func?: (typeof ACQUISITIONS)[number];
  base_estimator?: "GP";
}

/** Names of the settings `algorithm` accepts. */
export function settingNames(algorithm: Algorithm): string[] {
  return Object.keys(SETTINGS[algorithm]);
}

/** Katib's [{name, value}] list as a dict; a dict passes through. Undefined when neither. */
export function settingsRecord(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null) return {};
  if (Array.isArray(raw)) {
    const out: Record<string, unknown> = {};
    for (const item of raw) {
      if (typeof item !== "object" || item === null || typeof (item as { name?: unknown }).name !== "string")
        return undefined;
      out[(item as { name: string }).name] = (item as { value?: unknown }).value;
    }
    return out;
  }
  return typeof raw === "object" ? (raw as Record<string, unknown>) : undefined;
}

/** Typed settings with defaults filled, or the problems (field = the setting's name). */
export function parseAlgorithmSettings(
  algorithm: Algorithm,
  raw: unknown,
): { settings: AlgorithmSettings; issues: FieldIssue[] } {
  const rules = SETTINGS[algorithm];
  const record = settingsRecord(raw);
  if (!record) return { settings: {}, issues: [{ field: "", message: "must be {name: value} or [{name, value}]" }] };
  const issues: FieldIssue[] = [];
  const settings: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(record)) {
    const rule = rules[name];
    if (!rule) {
      const known = Object.keys(rules);
      issues.push({
        field: name,
        message: `unknown setting for ${algorithm}; known: ${known.length ? known.join(", ") : "none"}`,
      });
      continue;
    }
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      issues.push({ field: name, message: "must be a string or a number" });
      continue;
    }
    const r = rule.rule(value);
    if ("error" in r) issues.push({ field: name, message: r.error });
    else settings[name] = r.value;
  }
  for (const [name, rule] of Object.entries(rules))
    if (settings[name] === undefined && rule.default !== undefined) settings[name] = rule.default;
  return { settings: settings as AlgorithmSettings, issues };
}
