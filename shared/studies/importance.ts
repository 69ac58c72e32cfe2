/**
 * Parameter importance of a study: how much of the objective's variance each
 * parameter explains on its own. The method is the first-order (main-effect)
 * term of a functional ANOVA, as fANOVA and optuna's importance evaluators
 * report it, estimated without a surrogate model: each parameter's values are
 * binned over the study's declared domain (equal-width, on a log scale where
 * the parameter is log-scaled; one bin per value for categorical, discrete and
 * small integer ranges), and its share is ω², the bias-corrected correlation
 * ratio between the bins and the objective:
 *
 *   ω² = (SSB − (k − 1)·MSW) / (SST + MSW), clipped to [0, 1]
 *
 * (SSB between-bin, SSW within-bin, SST total sums of squares, k non-empty
 * bins, MSW = SSW / (n − k)). Unlike the plain ratio SSB/SST, ω² does not
 * credit a parameter the objective ignores with the variance that random bin
 * means always show, so such a parameter scores ~0. Importances are the shares
 * normalised to sum to 1 (as optuna shows them); `varianceExplained` keeps the
 * raw share. Only completed trials (SUCCEEDED with a finite objective) count,
 * and nothing is computed below MIN_IMPORTANCE_TRIALS of them. Pure and
 * deterministic: no sampling, the same trials give the same numbers.
 */
import type { Assignment, Hyperparameter, Hyperparameters } from "../tuning/hyperparameters.ts";

export const IMPORTANCE_METHOD =
  "main-effect variance share (fANOVA first-order term, ω² over parameters binned on their declared scale)";
/** Fewer completed trials than this give bins of one or two trials: too noisy to rank parameters. */
export const MIN_IMPORTANCE_TRIALS = 8;
const MAX_BINS = 10;

export interface ImportanceTrial {
  state: string;
  params: Assignment;
  objective?: number;
}

export interface ParameterImportance {
  name: string;
  /** Share of the summed main effects, in [0, 1]; all parameters' importances sum to 1 (or are all 0). */
  importance: number;
  /** ω²: the fraction of the objective's variance this parameter explains alone, in [0, 1]. */
  varianceExplained: number;
  /** Non-empty bins its values fell into. */
  bins: number;
}

export interface ImportanceReport {
  method: string;
  minTrials: number;
  /** Completed trials (SUCCEEDED with a finite objective): the ones the method uses. */
  completed: number;
  /** Most important first; absent below minTrials. */
  importance?: ParameterImportance[];
  /** Why there is no ranking, or what to keep in mind reading it. */
  note?: string;
}

/** Completed trials only: a failed or early-stopped trial's objective is not comparable. */
export function completedTrials(trials: readonly ImportanceTrial[]): ImportanceTrial[] {
  return trials.filter((t) => t.state === "SUCCEEDED" && typeof t.objective === "number" && isFinite(t.objective));
}

/** The bin key of one value on a parameter's declared scale. */
export function binOf(domain: Hyperparameter, value: unknown, bins: number): string | undefined {
  if (domain.type === "categorical" || domain.type === "discrete")
    return value === undefined ? undefined : String(value);
  if (typeof value !== "number" || !isFinite(value)) return undefined;
  if (domain.type === "integer" && domain.max - domain.min + 1 <= bins) return String(value);
  const log = domain.log === true && domain.min > 0 && value > 0;
  const scale = (v: number) => (log ? Math.log10(v) : v);
  const lo = scale(domain.min);
  const span = scale(domain.max) - lo;
  if (!(span > 0)) return "0";
  const at = Math.floor(((scale(value) - lo) / span) * bins);
  return String(Math.min(bins - 1, Math.max(0, at)));
}

/** ω² of the objective grouped by `keys` (undefined keys are left out). */
export function omegaSquared(
  keys: readonly (string | undefined)[],
  values: readonly number[],
): { omega2: number; k: number } {
  const groups = new Map<string, { n: number; sum: number }>();
  let n = 0;
  let sum = 0;
  keys.forEach((key, i) => {
    if (key === undefined) return;
    const g = groups.get(key) ?? { n: 0, sum: 0 };
    g.n++;
    g.sum += values[i]!;
    groups.set(key, g);
    n++;
    sum += values[i]!;
  });
  const k = groups.size;
  if (n === 0 || k < 2 || n - k < 1) return { omega2: 0, k };
  const mean = sum / n;
  let sst = 0;
  let ssw = 0;
  keys.forEach((key, i) => {
    if (key === undefined) return;
    const g = groups.get(key)!;
    sst += (values[i]! - mean) ** 2;
    ssw += (values[i]! - g.sum / g.n) ** 2;
  });
  if (!(sst > 0)) return { omega2: 0, k };
  const msw = ssw / (n - k);
  const omega2 = (sst - ssw - (k - 1) * msw) / (sst + msw);
  return { omega2: Math.min(1, Math.max(0, omega2)), k };
}

export function parameterImportance(
  hyperparameters: Hyperparameters,
  trials: readonly ImportanceTrial[],
): ImportanceReport {
  const done = completedTrials(trials);
  const base = { method: IMPORTANCE_METHOD, minTrials: MIN_IMPORTANCE_TRIALS, completed: done.length };
  if (done.length < MIN_IMPORTANCE_TRIALS)
    return {
      ...base,
      note: `parameter importance needs at least ${MIN_IMPORTANCE_TRIALS} completed trials; this study has ${done.length}`,
    };
  const values = done.map((t) => t.objective!);
  // √n bins keeps a few trials per bin as the study grows; never more than MAX_BINS.
  const bins = Math.min(MAX_BINS, Math.max(2, Math.round(Math.sqrt(done.length))));
  const raw = Object.keys(hyperparameters)
    .sort()
    .map((name) => {
      const domain = hyperparameters[name]!;
      const { omega2, k } = omegaSquared(
        done.map((t) => binOf(domain, t.params[name], bins)),
        values,
      );
      return { name, varianceExplained: omega2, bins: k };
    });
  const total = raw.reduce((s, r) => s + r.varianceExplained, 0);
  const importance = raw
    .map((r) => ({ ...r, importance: total > 0 ? r.varianceExplained / total : 0 }))
    .sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name))
    .map(({ name, importance: share, varianceExplained, bins: k }) => ({
      name,
      importance: share,
      varianceExplained,
      bins: k,
    }));
  return {
    ...base,
    importance,
    ...(total > 0
      ? {}
      : { note: "no parameter explains the objective's variance on its own (or the objective did not vary)" }),
  };
}
