/**
 * A trial job's end (the job.finished event syncJobs publishes) becomes the
 * trial's result: a succeeded job's objective comes from its pushed reports
 * or its logs' `name=value` lines; without one the trial is
 * MetricsUnavailable, a failure (check 12). Failed and rejected jobs fail the
 * trial; a cancelled job cancels it. A job that is no trial is ignored; a
 * repeated or late event is absorbed (check 16) and only drives the study
 * again, which re-dispatches anything a crash left behind.
 */
import type { JobFinishedEvent } from "../bus/event-bus.ts";
import { KineticError } from "../errors.ts";
import { isTerminalTrialState, type MetricPoint, type StudyDoc, type TrialDoc } from "../store/study-store.ts";
import { driveStudy, recordOutcome } from "./drive.ts";
import { mergeSeries, metricValues, parseMetricLines, pickValue, pushedSeries } from "./metrics.ts";
import type { TrialOutcome } from "./rules.ts";
import type { StudyDeps } from "./types.ts";

export type TrialEventResult =
  | { status: "ignored" }
  | { status: "duplicate"; study: StudyDoc }
  | { status: "recorded"; trial: string; outcome: TrialOutcome["state"]; study: StudyDoc };

export async function onTrialEvent(deps: StudyDeps, event: JobFinishedEvent): Promise<TrialEventResult> {
  const trial = await deps.studies.getTrial(event.namespace, event.jobId);
  if (!trial) return { status: "ignored" };
  const key = { namespace: trial.namespace, id: trial.studyId };
  if (isTerminalTrialState(trial.state)) return { status: "duplicate", study: await driveStudy(deps, key) };
  const study = await deps.studies.get(key);
  if (!study) return { status: "ignored" }; // deleted (deleteStudy) while its last events were in flight
  const outcome = await trialOutcome(deps, study, trial, event);
  const r = await recordOutcome(deps, key, trial.id, outcome);
  if (!r.applied) return { status: "duplicate", study: r.study };
  deps.log.info("trial finished", { studyId: study.id, trial: trial.id, outcome: outcome.state });
  return { status: "recorded", trial: trial.id, outcome: outcome.state, study: r.study };
}

async function trialOutcome(
  deps: StudyDeps,
  study: StudyDoc,
  trial: TrialDoc,
  event: JobFinishedEvent,
): Promise<TrialOutcome> {
  const message = event.reason ? `job ${event.state}: ${event.reason}` : `job ${event.state}`;
  if (event.state === "CANCELLED") return { state: "CANCELLED", reason: "JobCancelled", message };
  if (event.state !== "SUCCEEDED") return { state: "FAILED", reason: event.reason ?? "JobFailed", message };
  const spec = study.spec;
  const [objective] = spec.objectives;
  const logs = await trialLogs(deps, event);
  const series = mergeSeries(parseMetricLines(logs, spec.objectives), pushedSeries(trial.pushed, spec.objectives));
  const value = pickValue(series[objective!], spec.metricStrategy, spec.objectiveType);
  const metrics = metricValues(series, objective!, spec.metricStrategy, spec.objectiveType);
  if (value === undefined)
    return {
      state: "METRICS_UNAVAILABLE",
      reason: "MetricsUnavailable",
      message: `the job succeeded but reported no finite ${objective} value`,
      series: capped(series),
      metrics,
    };
  return { state: "SUCCEEDED", reason: "Succeeded", series: capped(series), objective: value, metrics };
}

/** The newest points of each series, so a long training log still fits the trial's document. */
const MAX_POINTS = 500;
function capped(series: Record<string, MetricPoint[]>): Record<string, MetricPoint[]> {
  return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, v.slice(-MAX_POINTS)]));
}

/** The trial job's logs; a job whose pods are gone has none (its pushed reports may still hold the metric). */
async function trialLogs(deps: StudyDeps, event: JobFinishedEvent): Promise<string> {
  const job = await deps.store.get({ namespace: event.namespace, id: event.jobId });
  if (!job?.workload) return "";
  try {
    return await deps.cluster.logs(job.workload);
  } catch (err) {
    if (err instanceof KineticError && !err.retryable) {
      deps.log.warn("trial logs unavailable", { jobId: event.jobId, error: err });
      return "";
    }
    throw err;
  }
}
