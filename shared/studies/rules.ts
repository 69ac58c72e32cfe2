/**
 * A study's decisions as pure functions over its record, run inside the
 * study transaction (so they are re-run on contention and must not do I/O):
 * record a trial's result (counts, best, the searcher's history), apply the
 * stop rules in the reference's order, and reserve free slots with the
 * searcher's next suggestions.
 *
 * Stop rules (shared/reference/tuning.md §2 and Kinetic's decisions):
 * 1. goal, inclusive, on finished trials: Succeeded/GoalReached. Beats all.
 * 2. failed + metricsUnavailable ≥ failedTrials (> 0 failures; null: never).
 * 3. the study deadline (timeoutSeconds).
 * 4. every planned trial finished: Succeeded/MaxTrialsReached (GridExhausted
 *    when the grid was smaller than `trials`), or Failed/NoSuccessfulTrials
 *    when none succeeded.
 * Rules 2 and 3 stop new trials at once and end the study when no trial is
 * still in flight (those are cancelled unless onGoal is `finish`), so a
 * goal-meeting result already on its way still wins (check 11).
 */
import { fromHistory, type SearchTrial } from "../tuning/search/search.ts";
import { trialJobId } from "../tuning/substitute.ts";
import { applyTransition } from "../store/state-record.ts";
import {
  STUDY_MACHINE,
  TRIAL_MACHINE,
  isTerminalStudyState,
  isTerminalTrialState,
  type BestTrial,
  type StudyDoc,
  type StudyState,
  type TrialCounts,
  type TrialDoc,
  type TrialState,
} from "../store/study-store.ts";
import { medianBaseline } from "./early-stop.ts";
import type { Series } from "./metrics.ts";

export type FinishedTrialState = Exclude<TrialState, "CREATED" | "PENDING">;

/** How one trial ended, as the event handler worked it out. */
export interface TrialOutcome {
  state: FinishedTrialState;
  reason: string;
  message?: string;
  series?: Series;
  objective?: number;
  metrics?: Record<string, number>;
}

const COUNT_OF: Record<FinishedTrialState, keyof TrialCounts> = {
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  METRICS_UNAVAILABLE: "metricsUnavailable",
  EARLY_STOPPED: "earlyStopped",
  CANCELLED: "cancelled",
};

const RETENTION = { retentionMs: 30 * 86_400_000 };

/** Firestore takes at most 500 writes per transaction: a wide fan-out reserves in passes (driveStudy loops). */
export const MAX_RESERVE_PER_TRANSACTION = 400;

/** Moves the study record; undefined when refused (terminal) or no change. */
export function moveStudy(study: StudyDoc, to: StudyState, reason: string, message: string, now: Date) {
  return applyTransition(study, { to, reason, message }, now, { machine: STUDY_MACHINE, ...RETENTION });
}

function better(value: number, best: BestTrial | undefined, index: number, minimize: boolean): boolean {
  if (!best) return true;
  if (value === best.value) return index < best.index; // ties keep the earlier trial
  return minimize ? value < best.value : value > best.value;
}

/**
 * The study and trial after `outcome`, or undefined when the trial already
 * finished (a duplicate or late event: absorbed, nothing changes, check 16).
 */
export function recordResult(study: StudyDoc, trial: TrialDoc, outcome: TrialOutcome, now: Date) {
  if (isTerminalTrialState(trial.state)) return undefined;
  // An early-stopped trial keeps the value it reached: it feeds the searcher and may be best (Katib).
  const ok =
    (outcome.state === "SUCCEEDED" || outcome.state === "EARLY_STOPPED") &&
    outcome.objective !== undefined &&
    Number.isFinite(outcome.objective);
  const nextTrial = applyTransition(
    trial,
    {
      to: outcome.state,
      reason: outcome.reason,
      ...(outcome.message ? { message: outcome.message } : {}),
      patch: {
        ...(outcome.series ? { series: outcome.series } : {}),
        ...(ok ? { objective: outcome.objective } : {}),
        ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
      },
    },
    now,
    { machine: TRIAL_MACHINE, ...RETENTION },
  );
  if (!nextTrial) return undefined;
  const minimize = study.spec.objectiveType === "minimize";
  const history: SearchTrial[] = study.history.map((h) =>
    h.index !== trial.index
      ? h
      : ok
        ? { index: h.index, params: h.params, state: "succeeded", value: outcome.objective! }
        : { index: h.index, params: h.params, state: "failed" },
  );
  const counts = { ...study.counts, [COUNT_OF[outcome.state]]: study.counts[COUNT_OF[outcome.state]] + 1 };
  const best =
    ok && better(outcome.objective!, study.best, trial.index, minimize)
      ? {
          index: trial.index,
          trialId: trial.id,
          value: outcome.objective!,
          params: trial.params,
          metrics: outcome.metrics ?? {},
        }
      : study.best;
  const baseline = outcome.state === "SUCCEEDED" ? medianBaseline(study, outcome.series) : undefined;
  const nextStudy: StudyDoc = {
    ...study,
    ...(baseline !== undefined ? { medianBaselines: [...(study.medianBaselines ?? []), baseline] } : {}),
    active: study.active - 1,
    counts,
    history,
    ...(best ? { best } : {}),
    updatedAt: now.toISOString(),
  };
  return { study: nextStudy, trial: nextTrial };
}

export function completedCount(c: TrialCounts): number {
  return c.succeeded + c.failed + c.metricsUnavailable + c.earlyStopped + c.cancelled;
}

export function goalMet(study: StudyDoc): boolean {
  const goal = study.spec.objectiveGoal;
  if (goal === undefined || !study.best) return false;
  return study.spec.objectiveType === "minimize" ? study.best.value <= goal : study.best.value >= goal;
}

/** The indices of trials still in flight (their jobs to cancel when the study stops). */
export function inFlight(study: StudyDoc): number[] {
  return study.history.filter((h) => h.state === "pending").map((h) => h.index);
}

/**
 * Applies the stop rules. Returns the study (maybe ended or stopping) and
 * whether in-flight trials should now be cancelled.
 */
export function evaluate(study: StudyDoc, now: Date): { study: StudyDoc; cancelInFlight: boolean } {
  if (isTerminalStudyState(study.state)) return { study, cancelInFlight: false };
  const cancelPolicy = study.spec.onGoal === "cancel";
  const end = (to: StudyState, reason: string, message: string) => {
    const next = moveStudy(study, to, reason, message, now) ?? study;
    return { study: { ...next, stopping: undefined } as StudyDoc, cancelInFlight: cancelPolicy && study.active > 0 };
  };
  if (goalMet(study))
    return end("SUCCEEDED", "GoalReached", `trial ${study.best!.index} reached the goal: ${study.best!.value}`);
  if (study.stopping && study.active > 0) return { study, cancelInFlight: false }; // already stopping: waiting
  const failed = study.counts.failed + study.counts.metricsUnavailable;
  const limit = study.spec.failedTrials;
  let stop = study.stopping;
  if (!stop && typeof limit === "number" && failed > 0 && failed >= limit)
    stop = { state: "FAILED", reason: "MaxFailedTrials", message: `${failed} trials failed (limit ${limit})` };
  if (!stop && study.deadlineAt && now.getTime() >= Date.parse(study.deadlineAt))
    stop = { state: "FAILED", reason: "DeadlineExceeded", message: `the study ran past ${study.deadlineAt}` };
  if (stop) {
    if (study.active === 0) return end(stop.state, stop.reason, stop.message);
    const started = !study.stopping;
    return { study: { ...study, stopping: stop }, cancelInFlight: started && cancelPolicy };
  }
  if (study.active === 0 && completedCount(study.counts) >= study.plannedTrials) {
    if (!study.best)
      return end("FAILED", "NoSuccessfulTrials", `all ${study.plannedTrials} trials ended without an objective value`);
    const grid = study.plannedTrials < study.spec.trials;
    return end(
      "SUCCEEDED",
      grid ? "GridExhausted" : "MaxTrialsReached",
      grid ? (study.notes[0] ?? "the grid is exhausted") : `${study.plannedTrials} trials finished`,
    );
  }
  return { study, cancelInFlight: false };
}

/**
 * Fills free slots: min(parallel − active, planned − issued) new trials, each
 * the searcher's next suggestion, persisted (CREATED) before any dispatch.
 */
export function reserve(study: StudyDoc, now: Date): { study: StudyDoc; trials: TrialDoc[] } {
  if (isTerminalStudyState(study.state) || study.stopping) return { study, trials: [] };
  const free = Math.min(
    study.spec.parallelTrials - study.active,
    study.plannedTrials - study.issued,
    MAX_RESERVE_PER_TRANSACTION,
  );
  if (free <= 0) return { study, trials: [] };
  const search = fromHistory(
    {
      space: study.spec.hyperparameters,
      seed: study.seed,
      algorithm: study.spec.algorithm,
      settings: study.spec.algorithmSettings,
      objectiveType: study.spec.objectiveType,
    },
    study.history,
  );
  const at = now.toISOString();
  const trials: TrialDoc[] = [];
  let planned = study.plannedTrials;
  for (let i = 0; i < free; i++) {
    const s = search.ask();
    if (!s) {
      planned = study.issued + trials.length; // a finite space ran out early
      break;
    }
    const id = trialJobId(study.id, s.index);
    trials.push({
      id,
      namespace: study.namespace,
      studyId: study.id,
      index: s.index,
      params: s.params,
      jobId: id,
      state: "CREATED",
      reason: "Suggested",
      createdAt: at,
      updatedAt: at,
      events: [{ at, state: "CREATED", reason: "Suggested" }],
    });
  }
  const running = study.state === "CREATED" ? moveStudy(study, "RUNNING", "TrialsStarted", "", now) : undefined;
  return {
    study: {
      ...(running ?? study),
      plannedTrials: planned,
      issued: study.issued + trials.length,
      active: study.active + trials.length,
      history: [
        ...study.history,
        ...trials.map((t) => ({ index: t.index, params: t.params, state: "pending" as const })),
      ],
      updatedAt: at,
    },
    trials,
  };
}

/** evaluate, then reserve: one pass of the study's loop. */
export function advance(study: StudyDoc, now: Date) {
  const evaluated = evaluate(study, now);
  const reserved = reserve(evaluated.study, now);
  // A finite space that ran out may leave nothing to wait for: decide again.
  const final =
    reserved.study.plannedTrials !== evaluated.study.plannedTrials ? evaluate(reserved.study, now) : undefined;
  return {
    study: final?.study ?? reserved.study,
    trials: reserved.trials,
    cancelInFlight: evaluated.cancelInFlight || (final?.cancelInFlight ?? false),
  };
}
