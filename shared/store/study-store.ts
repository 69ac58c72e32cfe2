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
import { trialJobId } from "../tuning/substitute.ts";
import { defined, type Doc, type DocDb, type DocTransaction } from "./docs.ts";
import { applyTransition, type Transition } from "./state-record.ts";
import { RetainedStore, type RetainedStoreOptions } from "./retained-store.ts";
import { STUDY_HISTORY, changedChunks, chunkCount, chunkIds, withHistory, type Stored } from "./study-history.ts";

export { HISTORY_CHUNK, STUDY_HISTORY } from "./study-history.ts";

import {
  isTerminalTrialState,
  STUDIES,
  STUDY_TRIALS,
  studyKey,
  TRIAL_MACHINE,
  trialKey,
  TUNING_POISON,
  type StudyDoc,
  type StudyKey,
  type StudyStore,
  type StudyTx,
  type StudyWrite,
  type TrialDoc,
  type TrialState,
} from "./study-types.ts";

// The port and its vocabulary live in study-types.ts; importers reach them here too.
export * from "./study-types.ts";

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
