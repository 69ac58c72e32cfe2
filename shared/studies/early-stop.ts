/**
 * Early stopping, Katib's `medianstop` (shared/reference/tuning.md §3): for
 * each succeeded trial, the average of its first `start_step` objective
 * reports is a baseline; once `min_trials_required` baselines exist, a
 * running trial whose best value after at least `start_step` pushed reports
 * is worse than the baselines' mean (Katib's "median", computed as a mean)
 * is stopped: EARLY_STOPPED, its value recorded, not a failure, counting
 * toward `trials` (check 26). It never stops a trial before `start_step`
 * reports or before `min_trials_required` baselines.
 */
import type { StudyDoc, TrialDoc } from "../store/study-store.ts";
import { pickValue, pushedSeries, type Series } from "./metrics.ts";

/** The baseline a finished trial adds (undefined when its series is shorter than start_step). */
export function medianBaseline(study: StudyDoc, series: Series | undefined): number | undefined {
  const es = study.spec.earlyStopping;
  const points = series?.[study.spec.objectives[0]!];
  if (!es || !points || points.length < es.settings.start_step) return undefined;
  const first = points.slice(0, es.settings.start_step).map((p) => p.value);
  return first.reduce((a, b) => a + b, 0) / first.length;
}

/** Whether the median rule stops `trial` now, and the value it ends with. */
export function medianStop(
  study: StudyDoc,
  trial: TrialDoc,
): { stop: false } | { stop: true; value: number; rule: number } {
  const es = study.spec.earlyStopping;
  if (!es) return { stop: false };
  const objective = study.spec.objectives[0]!;
  const points = pushedSeries(trial.pushed, [objective])[objective] ?? [];
  const baselines = study.medianBaselines ?? [];
  if (points.length < es.settings.start_step || baselines.length < es.settings.min_trials_required)
    return { stop: false };
  const rule = baselines.reduce((a, b) => a + b, 0) / baselines.length;
  const value = pickValue(points, study.spec.metricStrategy, study.spec.objectiveType)!;
  const worse = study.spec.objectiveType === "maximize" ? value < rule : value > rule;
  return worse ? { stop: true, value, rule } : { stop: false };
}
