/**
 * What users do with a study besides creating it: read its status (counts
 * per trial state, the best trial, the terminal reason: check 29), list its
 * trials, cancel it, and push a trial's metrics (idempotent per step: check
 * 15). Callers (API, function) check the caller's namespace first.
 */
import { KineticError } from "../errors.ts";
import {
  isTerminalStudyState,
  type BestTrial,
  type StudyDoc,
  type StudyKey,
  type TrialDoc,
} from "../store/study-store.ts";
import { trialJobId } from "../tuning/substitute.ts";
import { cancelJob } from "../jobs/cancel.ts";
import { cancelTrials, inLine, recordOutcome } from "./drive.ts";
import { medianStop } from "./early-stop.ts";
import { metricValues, pushedSeries } from "./metrics.ts";
import { inFlight, moveStudy } from "./rules.ts";
import type { StudyDeps } from "./types.ts";

export interface StudyStatus {
  id: string;
  namespace: string;
  state: StudyDoc["state"];
  reason?: string;
  message?: string;
  counts: {
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    metricsUnavailable: number;
    earlyStopped: number;
    cancelled: number;
  };
  created: number;
  planned: number;
  best?: BestTrial;
  notes: string[];
  stopping?: StudyDoc["stopping"];
}

export async function getStudy(deps: StudyDeps, key: StudyKey): Promise<StudyDoc> {
  const study = await deps.studies.get(key);
  if (!study) throw new KineticError("not-found", `study ${key.id} not found`);
  return study;
}

/** The study's status; pending vs running is read from the in-flight trials' jobs (≤ parallelTrials reads). */
export async function studyStatus(deps: StudyDeps, key: StudyKey): Promise<StudyStatus> {
  const study = await getStudy(deps, key);
  const ids = inFlight(study).map((k) => ({ namespace: study.namespace, id: trialJobId(study.id, k) }));
  const jobs = ids.length ? await deps.store.getMany(ids) : new Map();
  const running = [...jobs.values()].filter((j: { state: string }) => j.state === "RUNNING").length;
  return {
    id: study.id,
    namespace: study.namespace,
    state: study.state,
    ...(study.reason ? { reason: study.reason } : {}),
    ...(study.message ? { message: study.message } : {}),
    counts: { pending: study.active - running, running, ...study.counts },
    created: study.issued,
    planned: study.plannedTrials,
    ...(study.best ? { best: study.best } : {}),
    notes: study.notes,
    ...(study.stopping ? { stopping: study.stopping } : {}),
  };
}

export async function studyTrials(deps: StudyDeps, key: StudyKey): Promise<TrialDoc[]> {
  return deps.studies.listTrials(await getStudy(deps, key));
}

/** Ends the study CANCELLED and cancels its trials in flight; a finished study is returned as it is. */
export async function cancelStudy(deps: StudyDeps, key: StudyKey, principal: string): Promise<StudyDoc> {
  const study = await inLine(deps, key, () =>
    deps.studies.transact(key, undefined, ({ study, now }) => {
      if (isTerminalStudyState(study.state)) return { result: study };
      const next = moveStudy(study, "CANCELLED", "CancelledByUser", `cancelled by ${principal}`, now);
      if (!next) return { result: study };
      const done = { ...next, stopping: undefined } as StudyDoc;
      return { write: { study: done }, result: done };
    }),
  );
  if (study.state === "CANCELLED") await cancelTrials(deps, study, `the study was cancelled by ${principal}`);
  return (await deps.studies.get(key)) ?? study;
}

const studyOf = (t: TrialDoc): StudyKey => ({ namespace: t.namespace, id: t.studyId });

/** Applies medianstop after a report: record EARLY_STOPPED first (so the cancel's own event is a duplicate), then cancel the job. */
async function maybeStopEarly(deps: StudyDeps, before: TrialDoc): Promise<{ earlyStopped?: boolean }> {
  const study = await getStudy(deps, studyOf(before));
  const trial = await deps.studies.getTrial(before.namespace, before.id);
  if (!trial) return {};
  const decision = medianStop(study, trial);
  if (!decision.stop) return {};
  const objective = study.spec.objectives[0]!;
  const series = pushedSeries(trial.pushed, study.spec.objectives);
  const r = await recordOutcome(deps, study, trial.id, {
    state: "EARLY_STOPPED",
    reason: "MedianStop",
    message: `${objective} ${decision.value} is worse than the median rule's ${decision.rule}`,
    series,
    objective: decision.value,
    metrics: metricValues(series, objective, study.spec.metricStrategy, study.spec.objectiveType),
  });
  if (r.applied)
    await cancelJob(deps, { namespace: trial.namespace, id: trial.jobId }, `study:${study.id} (early stop)`);
  return { earlyStopped: r.applied };
}

export interface MetricsReport {
  namespace: string;
  trialId: string;
  step: number;
  metrics: Record<string, number>;
}

/** Push path: one report per (trial, step); a retried report changes nothing. Non-finite values are refused. */
export async function reportTrialMetrics(
  deps: StudyDeps,
  report: MetricsReport,
): Promise<{ recorded: boolean; earlyStopped?: boolean }> {
  const issues = [];
  if (!Number.isInteger(report.step) || report.step < 0)
    issues.push({ field: "step", message: "must be a whole number ≥ 0" });
  for (const [name, v] of Object.entries(report.metrics))
    if (typeof v !== "number" || !Number.isFinite(v))
      issues.push({ field: `metrics.${name}`, message: "must be a finite number (NaN and Infinity are refused)" });
  if (issues.length) throw new KineticError("invalid-argument", "invalid metrics report", { issues });
  const trial = await deps.studies.getTrial(report.namespace, report.trialId);
  if (!trial) throw new KineticError("not-found", `trial ${report.trialId} not found`);
  const recorded = await deps.studies.reportMetrics(report.namespace, report.trialId, report.step, report.metrics);
  if (recorded && !isTerminalStudyState((await getStudy(deps, studyOf(trial))).state))
    return { recorded, ...(await maybeStopEarly(deps, trial)) };
  return { recorded };
}
