/**
 * The study loop's side effects, each after the transaction that decided it:
 * dispatch reserved trials as Kinetic jobs (assignment persisted first, job
 * id = trialJobId, so a repeat finds the same job: check 19), cancel trials
 * in flight when the study stops with onGoal `cancel` (check 7), and delete
 * the records of a finished deleteStudy study (check 28).
 *
 * driveStudy is also the recovery path: it re-dispatches every in-flight
 * trial still CREATED (a crash between "persisted" and "dispatched"), so a
 * redelivered message converges without a lost or duplicate trial.
 */
import { forEachLimit } from "../concurrency.ts";
import { KineticError } from "../errors.ts";
import { cancelJob } from "../jobs/cancel.ts";
import { submitJob } from "../jobs/submit.ts";
import { withRetry } from "../retry.ts";
import { isTerminalStudyState, studyKey, type StudyDoc, type StudyKey, type TrialDoc } from "../store/study-store.ts";
import { trialJobSpec } from "../tuning/substitute.ts";
import { advance, inFlight, MAX_RESERVE_PER_TRANSACTION, recordResult, type TrialOutcome } from "./rules.ts";
import { serialized } from "./serialize.ts";
import type { StudyDeps } from "./types.ts";
import { trialJobId } from "../tuning/substitute.ts";

interface Decided {
  study: StudyDoc;
  trials: TrialDoc[];
  cancelInFlight: boolean;
}

/** Job submits in flight at once per study pass (each is a Firestore create, a Kubernetes create and a transition). */
export const DISPATCH_CONCURRENCY = 16;
/** Trials marked PENDING per transaction (Firestore: at most 500 writes in one). */
const MARK_BATCH = 400;
// Contention on one study document is expected (many trials end at once): retry the transaction a few times.
const TX_RETRY = { attempts: 6, baseDelayMs: 50, maxDelayMs: 1_000 };

/** One pass of the loop: stop rules, refill free slots, then the side effects. Returns the study as committed. */
export async function driveStudy(deps: StudyDeps, key: StudyKey): Promise<StudyDoc> {
  for (;;) {
    // Most drives (duplicates, recovery checks) change nothing: decide on a plain read first, as syncJobs does.
    const read = await deps.studies.get(key);
    if (!read) throw new KineticError("not-found", `study ${key.id} not found`);
    const peek = advance(read, deps.clock.now());
    const decided: Decided =
      peek.study === read && !peek.trials.length
        ? { ...peek, study: read }
        : await inLine(deps, key, () =>
            deps.studies.transact(key, undefined, ({ study, now }) => {
              const next = advance(study, now);
              if (next.study === study && !next.trials.length) return { result: { ...next, study } };
              return { write: { study: next.study, trials: next.trials }, result: next };
            }),
          );
    await afterCommit(deps, decided, { recover: true });
    // A fan-out wider than one transaction's writes continues in another pass.
    if (decided.trials.length < MAX_RESERVE_PER_TRANSACTION) return decided.study;
  }
}

/** A study transaction: queued behind this instance's others for the study, retried on contention. */
export function inLine<T>(deps: StudyDeps, key: StudyKey, tx: () => Promise<T>): Promise<T> {
  return serialized(deps.studies, studyKey(key), () => withRetry(tx, TX_RETRY));
}

/**
 * Records a finished trial and advances the study in one transaction, then
 * performs what it decided. A trial that already finished changes nothing.
 */
export async function recordOutcome(
  deps: StudyDeps,
  key: StudyKey,
  trialId: string,
  outcome: TrialOutcome,
): Promise<{ applied: boolean; study: StudyDoc }> {
  const decided = await inLine(deps, key, () =>
    deps.studies.transact(key, trialId, ({ study, trial, now }) => {
      const recorded = trial ? recordResult(study, trial, outcome, now) : undefined;
      if (!recorded) return { result: { applied: false, study, trials: [], cancelInFlight: false } };
      const next = advance(recorded.study, now);
      return {
        write: { study: next.study, trials: [recorded.trial, ...next.trials] },
        result: { applied: true, ...next },
      };
    }),
  );
  await afterCommit(deps, decided, { recover: !decided.applied });
  return { applied: decided.applied, study: decided.study };
}

async function afterCommit(deps: StudyDeps, d: Decided, options: { recover: boolean }): Promise<void> {
  const study = d.study;
  let toDispatch = d.trials;
  if (options.recover && !isTerminalStudyState(study.state) && !study.stopping) {
    const fresh = new Set(d.trials.map((t) => t.id));
    const ids = inFlight(study)
      .map((k) => trialJobId(study.id, k))
      .filter((id) => !fresh.has(id));
    const stuck = (await deps.studies.getTrials(study.namespace, ids)).filter((t) => t.state === "CREATED");
    toDispatch = [...d.trials, ...stuck];
  }
  // A wide fan-out (parallelTrials up to 1,000) submits a bounded number of jobs at once, then marks the
  // submitted trials PENDING in one transaction per MARK_BATCH (not one per trial: bench/tuning/fanout.ts).
  // A transient fault ends the pass (the message is redelivered); what was submitted until then is marked still.
  const dispatched: Array<{ trialId: string; message: string }> = [];
  try {
    await forEachLimit(toDispatch, DISPATCH_CONCURRENCY, async (trial) => {
      const message = await dispatchTrial(deps, study, trial);
      if (message !== undefined) dispatched.push({ trialId: trial.id, message });
    });
  } finally {
    for (let i = 0; i < dispatched.length; i += MARK_BATCH)
      await markDispatched(deps, study, dispatched.slice(i, i + MARK_BATCH));
  }
  if (d.cancelInFlight)
    await cancelTrials(deps, study, "the study stopped: " + (study.stopping?.reason ?? study.reason));
  if (isTerminalStudyState(study.state) && study.active === 0 && study.spec.deleteStudy) {
    await deps.studies.delete(study);
    deps.log.info("study finished and deleted (deleteStudy)", { studyId: study.id, namespace: study.namespace });
  }
}

/** The trial's job spec: the template with its parameters, the deterministic id, the study's TTL. */
export function trialSpec(study: StudyDoc, trial: TrialDoc): Record<string, unknown> {
  const spec = trialJobSpec(study.spec.trialTemplate, trial.params);
  return {
    ...spec,
    id: trial.id,
    namespace: study.namespace,
    ...(study.spec.ttlSecondsAfterFinished !== undefined
      ? { ttlSecondsAfterFinished: study.spec.ttlSecondsAfterFinished }
      : {}),
  };
}

/**
 * Submits the trial's job (idempotent: same id, same spec). Returns what to record on the trial when it is
 * marked PENDING, or undefined when the job was rejected (then the trial is recorded FAILED here).
 */
export async function dispatchTrial(deps: StudyDeps, study: StudyDoc, trial: TrialDoc): Promise<string | undefined> {
  const outcome = await submitJob(deps, {
    spec: trialSpec(study, trial),
    principal: study.principal,
    source: `study:${studyKey(study)}`,
    recordRejections: false,
  });
  if (outcome.status === "rejected") {
    // The job can never run (an id taken by another job, a spec the cluster refuses): the trial failed.
    await recordOutcome(deps, study, trial.id, {
      state: "FAILED",
      reason: "JobRejected",
      message: outcome.error.message,
    });
    return undefined;
  }
  return `job ${outcome.job.id} ${outcome.job.state}`;
}

/** CREATED → PENDING for submitted trials; one that already finished (its event overtook us) stays as it is. */
function markDispatched(deps: StudyDeps, study: StudyDoc, trials: Array<{ trialId: string; message: string }>) {
  return withRetry(
    () =>
      deps.studies.transitionTrials(
        study.namespace,
        trials.map(({ trialId, message }) => ({
          trialId,
          input: { from: ["CREATED"], to: "PENDING", reason: "Dispatched", message },
        })),
      ),
    TX_RETRY,
  );
}

/** Cancels every in-flight trial's job and records the trials CANCELLED (not failed, check 7). */
export async function cancelTrials(deps: StudyDeps, study: StudyDoc, why: string): Promise<void> {
  for (const k of inFlight(study)) {
    const id = trialJobId(study.id, k);
    const job = await cancelJob(deps, { namespace: study.namespace, id }, `study:${study.id}`);
    // A job that finished before the cancel keeps its result: its job.finished event records it.
    if (job.state !== "CANCELLED") continue;
    await recordOutcome(deps, study, id, { state: "CANCELLED", reason: "StudyStopped", message: why });
  }
}
