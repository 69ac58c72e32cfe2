/**
 * The study store: studies/{namespace}:{studyId} and
 * studyTrials/{namespace}:{trialJobId}. A trial document has the id of its
 * job's key (trial k of study s is job `s-k`), so a job.finished event finds
 * its trial with one read and a non-trial job with one miss.
 *
 * Every change that touches the budget runs in one transaction on the study
 * document (`transact`), and the store itself refuses a commit that would
 * leave more than `parallelTrials` trials active or more than `plannedTrials`
 * created, or that names a new trial other than the next index: the domain
 * decides what to do, the store guarantees it can never overshoot, however
 * many handlers race (reference checks 1, 2, 18). Trial states never move
 * backwards and terminal states absorb (state-record.ts), so duplicate and
 * reordered events are no-ops (checks 16, 17).
 *
 * The searcher's history is the domain's `StudyDoc.history`, but it is not
 * stored on the study document (Firestore caps a document at 1 MiB; a trial
 * with ten parameters takes ~400 B): the store keeps it in chunks of
 * HISTORY_CHUNK trials, studyHistory/{namespace}:{id}:{chunk}, read in the
 * same transaction as the study and written only where they changed.
 */
import { KineticError, truncateText } from "../errors.ts";
import type { Assignment } from "../tuning/hyperparameters.ts";
import type { SearchTrial } from "../tuning/search/search.ts";
import type { StudySpec } from "../tuning/study-spec.ts";
import { trialJobId } from "../tuning/substitute.ts";
import { defined, type Doc, type DocDb, type DocTransaction, type StoreStats } from "./docs.ts";
import { applyTransition, type StateRecord, type Transition } from "./state-record.ts";
import { RetainedStore, type RetainedStoreOptions } from "./retained-store.ts";
import { STUDY_HISTORY, changedChunks, chunkCount, chunkIds, withHistory, type Stored } from "./study-history.ts";

export { HISTORY_CHUNK, STUDY_HISTORY } from "./study-history.ts";

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

export class DocStudyStore extends RetainedStore implements StudyStore {
  constructor(db: DocDb, options: RetainedStoreOptions = {}) {
    super(db, options);
  }

  async create(study: StudyDoc) {
    if (study.history.length) throw new KineticError("internal", `study ${study.id}: a new study has no history`);
    const { history: _none, ...stored } = study;
    if (await this.db.create(STUDIES, studyKey(study), toDoc({ ...stored, historyChunks: 0 })))
      return { created: true, study };
    const existing = await this.get(study);
    if (!existing) throw new KineticError("unavailable", `study ${study.id} vanished during create`);
    return { created: false, study: existing };
  }

  async get(key: StudyKey) {
    const snap = await this.db.get(STUDIES, studyKey(key));
    if (!snap) return undefined;
    const stored = snap.data as unknown as Stored<StudyDoc>;
    const ids = chunkIds(stored, stored.historyChunks ?? 0);
    const chunks = ids.length ? await this.db.getAll(STUDY_HISTORY, ids) : [];
    return withHistory(stored, chunks);
  }

  async list(options: { namespace?: string; limit?: number } = {}) {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    // Equality only (Firestore's automatic single-field index): no composite index to deploy.
    const where = options.namespace ? [{ field: "namespace", op: "==" as const, value: options.namespace }] : [];
    const snaps = await this.db.query(STUDIES, { where, limit });
    // A listing shows summaries: each study's history would be one more read per chunk.
    return snaps.map((s) => withHistory(s.data as unknown as Stored<StudyDoc>, []));
  }

  async getTrial(namespace: string, trialId: string) {
    const snap = await this.db.get(STUDY_TRIALS, trialKey(namespace, trialId));
    return snap ? (snap.data as unknown as TrialDoc) : undefined;
  }

  async getTrials(namespace: string, trialIds: string[]) {
    const snaps = await this.db.getAll(
      STUDY_TRIALS,
      trialIds.map((id) => trialKey(namespace, id)),
    );
    return snaps.map((s) => s.data as unknown as TrialDoc).sort((a, b) => a.index - b.index);
  }

  listTrials(study: StudyDoc) {
    return this.getTrials(
      study.namespace,
      Array.from({ length: study.issued }, (_, k) => trialJobId(study.id, k)),
    );
  }

  transact<R>(key: StudyKey, trialId: string | undefined, step: (tx: StudyTx) => { write?: StudyWrite; result: R }) {
    return this.db.transaction(async (tx) => {
      const snap = await tx.get(STUDIES, studyKey(key));
      if (!snap) throw new KineticError("not-found", `study ${key.id} not found`);
      const stored = snap.data as unknown as Stored<StudyDoc>;
      const [trialSnap, ...chunks] = await Promise.all([
        trialId ? tx.get(STUDY_TRIALS, trialKey(key.namespace, trialId)) : undefined,
        ...chunkIds(stored, stored.historyChunks ?? 0).map((id) => tx.get(STUDY_HISTORY, id)),
      ]);
      const study = withHistory(stored, chunks);
      const { write, result } = step({
        study,
        ...(trialSnap ? { trial: trialSnap.data as unknown as TrialDoc } : {}),
        now: this.clock.now(),
      });
      if (write) commit(tx, study, write, stored.historyChunks === undefined);
      return result;
    });
  }

  async transitionTrial(namespace: string, trialId: string, input: Transition<TrialState, TrialDoc>) {
    return (await this.transitionTrials(namespace, [{ trialId, input }])) === 1;
  }

  async transitionTrials(
    namespace: string,
    moves: Array<{ trialId: string; input: Transition<TrialState, TrialDoc> }>,
  ) {
    if (!moves.length) return 0;
    return this.db.transaction(async (tx) => {
      const snaps = await Promise.all(moves.map((m) => tx.get(STUDY_TRIALS, trialKey(namespace, m.trialId))));
      let applied = 0;
      moves.forEach((m, i) => {
        const snap = snaps[i];
        const next =
          snap &&
          applyTransition(snap.data as unknown as TrialDoc, m.input, this.clock.now(), {
            machine: TRIAL_MACHINE,
            retentionMs: this.retentionMs,
          });
        if (!next) return;
        tx.set(STUDY_TRIALS, trialKey(namespace, m.trialId), toDoc(next));
        applied++;
      });
      return applied;
    });
  }

  async reportMetrics(namespace: string, trialId: string, step: number, values: Record<string, number>) {
    return this.db.transaction(async (tx) => {
      const snap = await tx.get(STUDY_TRIALS, trialKey(namespace, trialId));
      const trial = snap?.data as unknown as TrialDoc | undefined;
      if (!trial || isTerminalTrialState(trial.state) || trial.pushed?.[String(step)]) return false;
      tx.update(STUDY_TRIALS, trialKey(namespace, trialId), { pushed: { ...trial.pushed, [String(step)]: values } });
      return true;
    });
  }

  async recordPoison(messageId: string, reason: string, text: string) {
    await this.db.create(TUNING_POISON, messageId.replace(/\//g, "_"), {
      messageId,
      reason: truncateText(reason, 2048),
      text: truncateText(text, 8192),
      at: this.clock.now().toISOString(),
      expireAt: new Date(this.clock.now().getTime() + this.retentionMs),
    });
  }

  async delete(study: StudyDoc) {
    const ids = Array.from({ length: study.issued }, (_, k) => trialKey(study.namespace, trialJobId(study.id, k)));
    for (let i = 0; i < ids.length; i += 400)
      await this.db.transaction(async (tx) => {
        for (const id of ids.slice(i, i + 400)) tx.delete(STUDY_TRIALS, id);
      });
    await this.db.transaction(async (tx) => {
      for (const id of chunkIds(study, chunkCount(study.history.length))) tx.delete(STUDY_HISTORY, id);
      tx.delete(STUDIES, studyKey(study));
    });
  }
}

/** The budget as an invariant of every commit, whatever the domain computed. */
function commit(tx: DocTransaction, before: StudyDoc, write: StudyWrite, rewriteAll: boolean): void {
  const after = write.study;
  const p = after.spec.parallelTrials;
  const fail = (why: string) => {
    throw new KineticError("internal", `study ${after.id}: refused a write that would ${why}`);
  };
  if (after.issued > after.plannedTrials) fail(`create ${after.issued} trials (planned ${after.plannedTrials})`);
  if (after.issued > before.issued && after.active > p) fail(`leave ${after.active} trials active (parallel ${p})`);
  if (after.issued < before.issued) fail("forget created trials");
  for (const t of write.trials ?? []) {
    const isNew = t.index >= before.issued;
    if (isNew && (t.index >= after.issued || t.id !== trialJobId(after.id, t.index))) fail(`create trial ${t.id}`);
    tx.set(STUDY_TRIALS, trialKey(after.namespace, t.id), toDoc(t));
  }
  for (const chunk of changedChunks(before, after, rewriteAll))
    tx.set(STUDY_HISTORY, chunk.id, toDoc({ trials: chunk.trials, expireAt: after.expireAt }));
  const { history, ...study } = after;
  tx.set(STUDIES, studyKey(after), toDoc({ ...study, historyChunks: chunkCount(history.length) }));
}

function toDoc(value: object): Doc {
  // Firestore rejects undefined anywhere: a JSON round trip drops it (Dates are kept as Dates at the top level).
  const { expireAt, ...rest } = value as { expireAt?: Date };
  return defined({ ...(JSON.parse(JSON.stringify(rest)) as Doc), expireAt });
}
