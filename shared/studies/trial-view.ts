/**
 * Trials as a plotting client reads them: each metric series, and the pushed
 * steps, thinned to at most `maxPoints` (the first, the last and evenly spaced
 * ones between), so a 1,000-trial study with 500-point series stays a small
 * answer. The stored records are untouched; values are never changed.
 */
import type { MetricPoint, TrialDoc } from "../store/study-store.ts";

export const PLOT_POINTS = 100;

/** At most `max` of `items`: the first, the last, and evenly spaced ones between, in order. */
export function evenlyThinned<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return items.slice(-1);
  const out: T[] = [];
  const stride = (items.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * stride)]!);
  return out;
}

export function trialForPlot(trial: TrialDoc, maxPoints = PLOT_POINTS): TrialDoc {
  const series = trial.series
    ? Object.fromEntries(
        Object.entries(trial.series).map(([name, points]): [string, MetricPoint[]] => [
          name,
          evenlyThinned(points, maxPoints),
        ]),
      )
    : undefined;
  const pushed = trial.pushed
    ? Object.fromEntries(
        evenlyThinned(
          Object.keys(trial.pushed).sort((a, b) => Number(a) - Number(b)),
          maxPoints,
        ).map((step) => [step, trial.pushed![step]!]),
      )
    : undefined;
  return { ...trial, ...(series ? { series } : {}), ...(pushed ? { pushed } : {}) };
}
