/**
 * The study store's port and vocabulary: study and trial states with their
 * machines, the stored documents, their keys, what a transaction step sees
 * and writes, and the `StudyStore` interface the domain uses (implemented by
 * study-store.ts's DocStudyStore).
 */
import type { Assignment } from "../tuning/hyperparameters.ts";
import type { SearchTrial } from "../tuning/search/search.ts";
import type { StudySpec } from "../tuning/study-spec.ts";
import type { StoreStats } from "./docs.ts";
import type { StateRecord, Transition } from "./state-record.ts";

export const STUDIES = "studies";
export const STUDY_TRIALS = "studyTrials";
export const TUNING_POISON = "tuningPoison";

export const STUDY_STATES = ["CREATED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type StudyState = (typeof STUDY_STATES)[number];
const STUDY_RANK: Record<StudyState, number> = { CREATED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };
export const isTerminalStudyState = (s: StudyState): boolean => STUDY_RANK[s] === 2;
export const STUDY_MACHINE = {
  canTransition: (from: StudyState, to: StudyState) =>
    !isTerminalStudyState(from) && STUDY_RANK[to] >= STUDY_RANK[from],
  isTerminal: isTerminalStudyState,
};

/** Katib's trial conditions; CREATED = assignment persisted, PENDING = its job was submitted. */
export const TRIAL_STATES = [
  "CREATED",
  "PENDING",
  "SUCCEEDED",
  "FAILED",
  "METRICS_UNAVAILABLE",
  "EARLY_STOPPED",
  "CANCELLED",
] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
const TRIAL_RANK: Record<TrialState, number> = {
  CREATED: 0,
  PENDING: 1,
  SUCCEEDED: 2,
  FAILED: 2,
  METRICS_UNAVAILABLE: 2,
  EARLY_STOPPED: 2,
  CANCELLED: 2,
};
export const isTerminalTrialState = (s: TrialState): boolean => TRIAL_RANK[s] === 2;
export const TRIAL_MACHINE = {
  canTransition: (from: TrialState, to: TrialState) =>
    !isTerminalTrialState(from) && TRIAL_RANK[to] >= TRIAL_RANK[from],
  isTerminal: isTerminalTrialState,
};

/** Finished trials per terminal state (pending/running are derived from `active` and the jobs). */
export interface TrialCounts {
  succeeded: number;
  failed: number;
  metricsUnavailable: number;
  earlyStopped: number;
  cancelled: number;
}
export const ZERO_COUNTS: TrialCounts = {
  succeeded: 0,
  failed: 0,
  metricsUnavailable: 0,
  earlyStopped: 0,
  cancelled: 0,
};

export interface BestTrial {
  index: number;
  trialId: string;
  value: number;
  params: Assignment;
  /** Every metric's value as chosen by the strategy (the objective and the additional ones). */
  metrics: Record<string, number>;
}

export interface StudyDoc extends StateRecord<StudyState> {
  namespace: string;
  createdAt: string;
  spec: StudySpec;
  /** Who created it: trials are submitted as this principal (its namespace policy applies). */
  principal: string;
  seed: number;
  /** min(trials, grid size): the most trials this study creates. */
  plannedTrials: number;
  /** Trials created so far; trial k exists for every k < issued. */
  issued: number;
  /** Created and not finished (CREATED or PENDING). */
  active: number;
  counts: TrialCounts;
  /**
   * The searcher's whole state (shared/tuning ARCHITECTURE.md invariant 1), by index. Stored in
   * studyHistory chunks, not on the study document; `list()` returns studies without it (empty).
   */
  history: SearchTrial[];
  best?: BestTrial;
  notes: string[];
  /** When set, no new trial starts; the study ends this way once no trial is active. */
  stopping?: { state: StudyState; reason: string; message: string };
  /** medianstop: each succeeded trial's mean of its first start_step objective values. */
  medianBaselines?: number[];
  deadlineAt?: string;
}

export interface MetricPoint {
  value: number;
  /** Log line number or pushed step. */
  step: number;
  at?: string;
}

export interface TrialDoc extends StateRecord<TrialState> {
  namespace: string;
  studyId: string;
  index: number;
  params: Assignment;
  createdAt: string;
  /** The trial's job: (namespace, id) = (namespace, this id). */
  jobId: string;
  /** Pushed reports by step ("12": {loss: 0.3}); the first report of a step stands. */
  pushed?: Record<string, Record<string, number>>;
  /** Each metric's series as used for the result. */
  series?: Record<string, MetricPoint[]>;
  /** The objective's value (per metricStrategy); absent when unavailable. */
  objective?: number;
  metrics?: Record<string, number>;
}

export interface StudyKey {
  namespace: string;
  id: string;
}
export const studyKey = (k: StudyKey): string => `${k.namespace}:${k.id}`;
export const trialKey = (namespace: string, trialId: string): string => `${namespace}:${trialId}`;

/** What a transaction step sees and may write. */
export interface StudyTx {
  study: StudyDoc;
  trial?: TrialDoc;
  now: Date;
}
export interface StudyWrite {
  study: StudyDoc;
  /** New or changed trials (each written whole). */
  trials?: TrialDoc[];
}

export interface StudyStore {
  readonly stats: StoreStats;
  create(study: StudyDoc): Promise<{ created: boolean; study: StudyDoc }>;
  get(key: StudyKey): Promise<StudyDoc | undefined>;
  list(options?: { namespace?: string; limit?: number }): Promise<StudyDoc[]>;
  getTrial(namespace: string, trialId: string): Promise<TrialDoc | undefined>;
  getTrials(namespace: string, trialIds: string[]): Promise<TrialDoc[]>;
  /** Every trial of the study, by index. */
  listTrials(study: StudyDoc): Promise<TrialDoc[]>;
  /**
   * Runs `step` in a transaction over the study (and one trial): `step` must
   * be pure (it is re-run on contention); undefined writes nothing. The
   * commit is refused (internal error) if it would break the budget.
   */
  transact<R>(
    key: StudyKey,
    trialId: string | undefined,
    step: (tx: StudyTx) => { write?: StudyWrite; result: R },
  ): Promise<R>;
  /** A trial's own move (CREATED → PENDING after dispatch): only the trial document. */
  transitionTrial(namespace: string, trialId: string, input: Transition<TrialState, TrialDoc>): Promise<boolean>;
  /** Several trials' own moves in one transaction (a fan-out marks its dispatched trials at once): how many applied. */
  transitionTrials(
    namespace: string,
    moves: Array<{ trialId: string; input: Transition<TrialState, TrialDoc> }>,
  ): Promise<number>;
  /** Records a pushed report; idempotent per (trial, step). False: already had that step, or trial finished/unknown. */
  reportMetrics(namespace: string, trialId: string, step: number, values: Record<string, number>): Promise<boolean>;
  /** Records a message that can never be processed (it is acked), once per message id. */
  recordPoison(messageId: string, reason: string, text: string): Promise<void>;
  /** Deletes the study and its trial records (deleteStudy). */
  delete(study: StudyDoc): Promise<void>;
}
