/**
 * Seeds a study and its trial records straight into Firestore
 * (BulkWriter), shaped like the ones the study store writes, so the
 * dashboard's bench and tests can show a study of any size without running
 * its trials. The trials are SUCCEEDED with the objective `objective(params)`
 * and a learning curve of `steps` points ending at it (its `series`), unless
 * `outcome(k)` makes one FAILED (pushed points only, as a crashed trainer
 * leaves), METRICS_UNAVAILABLE (no points) or EARLY_STOPPED (a curve cut at
 * its `step`) or PENDING (running); the study is SUCCEEDED (MaxTrialsReached),
 * or RUNNING while a trial is, with the best. Lives
 * outside test/ because the benches use it too (bench/ never imports test/).
 */
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import {
  STUDIES,
  STUDY_TRIALS,
  studyKey,
  trialKey,
  ZERO_COUNTS,
  type MetricPoint,
} from "../../shared/store/study-store.ts";
import type { Assignment, Hyperparameters } from "../../shared/tuning/hyperparameters.ts";
import { parseStudySpec } from "../../shared/tuning/study-spec.ts";
import { trialJobId } from "../../shared/tuning/substitute.ts";

export interface SeedStudyOptions {
  namespace: string;
  id: string;
  trials: number;
  hyperparameters: Hyperparameters;
  /** Trial k's parameters (deterministic: the caller's own generator). */
  params: (k: number) => Assignment;
  objective: (params: Assignment) => number;
  objectiveType?: "minimize" | "maximize";
  /** Points on each trial's curve (default 10). */
  steps?: number;
  /** Trial k's end when it is not SUCCEEDED; `step`: the last step it reported (default half of `steps`). */
  outcome?: (k: number) => SeededOutcome | undefined;
}
export interface SeededOutcome {
  /** PENDING: still running (its job submitted), with what it pushed so far; the study is then RUNNING. */
  state: "FAILED" | "METRICS_UNAVAILABLE" | "EARLY_STOPPED" | "PENDING";
  reason: string;
  message: string;
  step?: number;
}
const COUNT_KEY = {
  FAILED: "failed",
  METRICS_UNAVAILABLE: "metricsUnavailable",
  EARLY_STOPPED: "earlyStopped",
} as const;

/** A training curve that falls (rises, when maximising) towards `end` over steps 1..n, like a loss settling. */
export function seededCurve(end: number, n: number, objectiveType: "minimize" | "maximize"): MetricPoint[] {
  const sign = objectiveType === "minimize" ? 1 : -1;
  return Array.from({ length: n }, (_, i) => ({
    step: i + 1,
    value: end + sign * (Math.abs(end) + 0.5) * (1 - (i + 1) / n) ** 2,
  }));
}

export async function seedStudy(db: Firestore, o: SeedStudyOptions): Promise<{ bestTrialId: string }> {
  const objectiveType = o.objectiveType ?? "minimize";
  const spec = parseStudySpec({
    id: o.id,
    hyperparameters: o.hyperparameters,
    objectives: ["loss"],
    objectiveType,
    trials: o.trials,
    parallelTrials: Math.min(o.trials, 1_000),
    algorithm: "random",
    trialTemplate: { namespace: o.namespace, image: "python:3.12-slim", command: ["python", "train.py"] },
  });
  const now = new Date();
  const at = now.toISOString();
  const expireAt = Timestamp.fromMillis(now.getTime() + 7 * 86_400_000);
  const writer = db.bulkWriter();
  const steps = o.steps ?? 10;
  const counts = { ...ZERO_COUNTS };
  let running = 0;
  let best: { index: number; trialId: string; value: number; params: Assignment } | undefined;
  for (let k = 0; k < o.trials; k++) {
    const params = o.params(k);
    const value = o.objective(params);
    const trialId = trialJobId(o.id, k);
    const curve = seededCurve(value, steps, objectiveType);
    const doc = db.collection(STUDY_TRIALS).doc(trialKey(o.namespace, trialId));
    const common = { id: trialId, namespace: o.namespace, studyId: o.id, index: k, params, jobId: trialId, events: [] };
    const end = o.outcome?.(k);
    if (end) {
      if (end.state === "PENDING") running++;
      else counts[COUNT_KEY[end.state]]++;
      const reached = curve.slice(0, end.step ?? Math.ceil(steps / 2));
      const last = reached[reached.length - 1];
      const stopped = end.state === "EARLY_STOPPED" && last;
      void writer.set(doc, {
        ...common,
        createdAt: at,
        updatedAt: at,
        ...(end.state === "PENDING" ? {} : { finishedAt: at }),
        state: end.state,
        reason: end.reason,
        message: end.message,
        ...(end.state === "METRICS_UNAVAILABLE"
          ? { series: {} }
          : { pushed: Object.fromEntries(reached.map((p) => [String(p.step), { loss: p.value }])) }),
        ...(stopped ? { series: { loss: reached }, objective: last.value, metrics: { loss: last.value } } : {}),
        expireAt,
      });
      continue;
    }
    counts.succeeded++;
    if (!best || (objectiveType === "minimize" ? value < best.value : value > best.value))
      best = { index: k, trialId, value, params };
    void writer.set(doc, {
      ...common,
      createdAt: at,
      updatedAt: at,
      state: "SUCCEEDED",
      reason: "Succeeded",
      objective: value,
      metrics: { loss: value },
      series: { loss: curve },
      finishedAt: at,
      expireAt,
    });
  }
  void writer.set(db.collection(STUDIES).doc(studyKey({ namespace: o.namespace, id: o.id })), {
    id: o.id,
    namespace: o.namespace,
    // Nothing drives a seeded study: a RUNNING one stays so, and its page keeps refreshing.
    ...(running ? { state: "RUNNING", reason: "TrialsRunning" } : { state: "SUCCEEDED", reason: "MaxTrialsReached" }),
    createdAt: at,
    updatedAt: at,
    events: [],
    // Firestore rejects undefined fields: the spec round-trips through JSON as the store does.
    spec: JSON.parse(JSON.stringify(spec)) as object,
    principal: "local",
    seed: 1,
    plannedTrials: o.trials,
    issued: o.trials,
    active: running,
    counts,
    historyChunks: 0,
    ...(best ? { best: { ...best, metrics: { loss: best.value } } } : {}),
    notes: [],
    expireAt,
  });
  await writer.close();
  return { bestTrialId: best?.trialId ?? "" };
}
