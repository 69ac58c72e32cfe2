/**
 * Seeds a finished study and its trial records straight into Firestore
 * (BulkWriter), shaped like the ones the study store writes, so the
 * dashboard's bench and tests can show a study of any size without running
 * its trials. The trials are SUCCEEDED with the objective `objective(params)`;
 * the study is SUCCEEDED (MaxTrialsReached) with the best of them. Lives
 * outside test/ because the benches use it too (bench/ never imports test/).
 */
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { STUDIES, STUDY_TRIALS, studyKey, trialKey, ZERO_COUNTS } from "../../shared/store/study-store.ts";
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
  let best: { index: number; trialId: string; value: number; params: Assignment } | undefined;
  for (let k = 0; k < o.trials; k++) {
    const params = o.params(k);
    const value = o.objective(params);
    const trialId = trialJobId(o.id, k);
    if (!best || (objectiveType === "minimize" ? value < best.value : value > best.value))
      best = { index: k, trialId, value, params };
    void writer.set(db.collection(STUDY_TRIALS).doc(trialKey(o.namespace, trialId)), {
      id: trialId,
      namespace: o.namespace,
      studyId: o.id,
      index: k,
      params,
      createdAt: at,
      updatedAt: at,
      jobId: trialId,
      state: "SUCCEEDED",
      reason: "Succeeded",
      events: [],
      objective: value,
      metrics: { loss: value },
      expireAt,
    });
  }
  void writer.set(db.collection(STUDIES).doc(studyKey({ namespace: o.namespace, id: o.id })), {
    id: o.id,
    namespace: o.namespace,
    state: "SUCCEEDED",
    reason: "MaxTrialsReached",
    createdAt: at,
    updatedAt: at,
    events: [],
    // Firestore rejects undefined fields: the spec round-trips through JSON as the store does.
    spec: JSON.parse(JSON.stringify(spec)) as object,
    principal: "local",
    seed: 1,
    plannedTrials: o.trials,
    issued: o.trials,
    active: 0,
    counts: { ...ZERO_COUNTS, succeeded: o.trials },
    historyChunks: 0,
    ...(best ? { best: { ...best, metrics: { loss: best.value } } } : {}),
    notes: [],
    expireAt,
  });
  await writer.close();
  return { bestTrialId: best?.trialId ?? "" };
}
