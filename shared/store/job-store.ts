/**
 * The job store: jobs/{namespace}:{jobId}. A job is named by its namespace
 * and its id together, so two tenants may use the same id and neither can
 * reach, read or squat the other's job. Creation is first-writer-wins, and every
 * state change runs in a transaction that refuses to move a job backwards,
 * so duplicate, late or reordered messages are harmless. `JobStore` is the
 * port the domain uses; `DocJobStore` is its one implementation, over either
 * document backend (Firestore in production, memory in unit tests).
 */
import { KineticError } from "../errors.ts";
import { canTransition, isTerminal } from "../schemas/job-state.ts";
import { defined, type DocDb } from "./docs.ts";
import { expiringRecords, type Expiring, type ExpiringRecords } from "./expiring.ts";
import { fromDecl, QUERIES, type QueryDecl } from "./queries.ts";
import { decodeCursor, encodeCursor } from "./list-cursor.ts";
import { applyTransition, transitionRecord, type TransitionResult as RecordResult } from "./state-record.ts";
import { RetainedStore, type RetainedStoreOptions } from "./retained-store.ts";
import {
  jobKey,
  type JobDoc,
  type JobKey,
  type JobPatch,
  type JobStore,
  type ListFilter,
  type NewJob,
  type TransitionInput,
  type TransitionResult,
} from "./job-types.ts";

// The port and its vocabulary live in job-types.ts; importers reach them here too.
export * from "./job-types.ts";

export const JOBS = "jobs";
const JOB_MACHINE = { canTransition, isTerminal };

/** The declared query (and so the composite index) for each combination of list filters; none filter: createdAt alone. */
const LIST_QUERIES: Record<string, QueryDecl | undefined> = {
  "": undefined,
  n: QUERIES.jobsByNamespaceNewest,
  s: QUERIES.jobsByStateNewest,
  a: QUERIES.jobsByAcceleratorNewest,
  ns: QUERIES.jobsByNamespaceStateNewest,
  na: QUERIES.jobsByNamespaceAcceleratorNewest,
  sa: QUERIES.jobsByStateAcceleratorNewest,
  nsa: QUERIES.jobsByNamespaceStateAcceleratorNewest,
};
const listQueryKey = (f: ListFilter) => `${f.namespace ? "n" : ""}${f.state ? "s" : ""}${f.accelerator ? "a" : ""}`;

export class DocJobStore extends RetainedStore implements JobStore {
  private readonly expiring: ExpiringRecords<JobDoc>;
  /** The version each job object create or listActive returned was written or read at (see transitionAsRead). */
  private readonly readVersions = new WeakMap<JobKey, string>();

  constructor(db: DocDb, options: RetainedStoreOptions = {}) {
    super(db, options);
    this.expiring = expiringRecords<JobDoc>(db, JOBS);
  }

  async create(input: NewJob): Promise<{ created: boolean; job: JobDoc }> {
    const now = this.clock.now();
    const at = now.toISOString();
    const state = input.state ?? "QUEUED";
    const terminal = isTerminal(state);
    const doc: JobDoc = {
      id: input.id,
      state,
      namespace: input.namespace,
      accelerator: input.accelerator,
      ...(input.image ? { image: input.image } : {}),
      createdAt: at,
      updatedAt: at,
      ...(input.spec ? { spec: input.spec } : {}),
      ...(input.source ? { source: input.source } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.message ? { message: input.message } : {}),
      events: [{ at, state, reason: input.reason ?? "Accepted", ...(input.message ? { message: input.message } : {}) }],
      active: !terminal,
      ...(terminal ? { finishedAt: at, expireAt: new Date(now.getTime() + this.retentionMs) } : {}),
    };
    const version = await this.db.create(JOBS, jobKey(input), { ...doc });
    if (version !== false) {
      // submitJob moves the job it just created to SUBMITTED: one conditional write, no transaction.
      this.readVersions.set(doc, version);
      return { created: true, job: doc };
    }
    const existing = await this.get(input);
    if (!existing) throw new KineticError("unavailable", `job ${input.id} vanished during create`);
    return { created: false, job: existing };
  }

  async get(key: JobKey): Promise<JobDoc | undefined> {
    const snap = await this.db.get(JOBS, jobKey(key));
    return snap ? fromDoc(snap.data) : undefined;
  }

  async getMany(keys: JobKey[]): Promise<Map<string, JobDoc>> {
    const snaps = await this.db.getAll(JOBS, [...new Set(keys.map(jobKey))]);
    return new Map(snaps.map((s) => [s.id, fromDoc(s.data)]));
  }

  async findById(id: string, limit = 20): Promise<JobDoc[]> {
    // A single-field equality: served by Firestore's automatic index, no composite index needed.
    const snaps = await this.db.query(JOBS, { where: [{ field: "id", op: "==", value: id }], limit });
    return snaps.map((s) => fromDoc(s.data));
  }

  async transition(key: JobKey, input: TransitionInput): Promise<TransitionResult> {
    const fast = await this.transitionAsRead(key, input);
    if (fast) return fast;
    const r: RecordResult<JobDoc> = await transitionRecord(this.db, JOBS, jobKey(key), input, {
      machine: JOB_MACHINE,
      clock: this.clock,
      retentionMs: this.retentionMs,
      noun: "job",
      name: key.id,
    });
    return { applied: r.applied, job: r.record };
  }

  /**
   * A job handed back as create wrote it or listActive read it moves with one conditional write
   * (valid only if nobody wrote it since) instead of a transaction's read and
   * commit: syncJobs moves thousands of jobs a run this way. Anything else —
   * another key, a write in between, a move the read copy refuses — takes the
   * transaction. A version is used once: after our own write it is stale.
   */
  private async transitionAsRead(key: JobKey, input: TransitionInput): Promise<TransitionResult | undefined> {
    const version = this.readVersions.get(key);
    if (version === undefined) return undefined;
    this.readVersions.delete(key);
    const read = key as JobDoc;
    const next = applyTransition(read, input, this.clock.now(), {
      machine: JOB_MACHINE,
      retentionMs: this.retentionMs,
    });
    if (!next) return undefined;
    const removed = Object.keys(read).filter((k) => next[k as keyof JobDoc] === undefined);
    const fields = defined(next as unknown as Record<string, unknown>);
    const written = await this.db.update(JOBS, jobKey(read), fields, removed, { ifVersion: version });
    return written ? { applied: true, job: next } : undefined;
  }

  async patch(key: JobKey, fields: JobPatch): Promise<void> {
    if (!(await this.db.update(JOBS, jobKey(key), { ...fields })))
      throw new KineticError("not-found", `job ${key.id} not found`);
  }

  async listActive(options: { limit?: number; startAfter?: JobDoc } = {}): Promise<JobDoc[]> {
    const after = options.startAfter;
    const spec = fromDecl(QUERIES.activeJobsByUpdate, {
      equals: { active: true },
      limit: options.limit ?? 200,
      ...(after ? { startAfter: [after.updatedAt, jobKey(after)] } : {}),
    });
    return (await this.db.query(JOBS, spec)).map((s) => {
      const job = fromDoc(s.data);
      this.readVersions.set(job, s.version);
      return job;
    });
  }

  async waitingOnBuild(buildId: string, options: { limit?: number; startAfter?: JobKey } = {}): Promise<JobDoc[]> {
    const after = options.startAfter;
    const spec = fromDecl(QUERIES.jobsWaitingOnBuild, {
      equals: { buildId, state: "BUILDING" },
      limit: options.limit ?? 200,
      ...(after ? { startAfter: [jobKey(after)] } : {}),
    });
    return (await this.db.query(JOBS, spec)).map((s) => fromDoc(s.data));
  }

  async list(filter: ListFilter = {}): Promise<{ jobs: JobDoc[]; nextCursor?: string }> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const equals: Record<string, unknown> = {};
    if (filter.namespace) equals.namespace = filter.namespace;
    if (filter.state) equals.state = filter.state;
    if (filter.accelerator) equals.accelerator = filter.accelerator;
    const decl = LIST_QUERIES[listQueryKey(filter)];
    const c = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const startAfter = c ? { startAfter: [c.createdAt, c.key] } : {};
    const spec = decl
      ? fromDecl(decl, { equals, limit: limit + 1, ...startAfter })
      : { orderBy: [{ field: "createdAt", dir: "desc" as const }], limit: limit + 1, ...startAfter };
    const snaps = await this.db.query(JOBS, spec);
    const jobs = snaps.slice(0, limit).map((s) => fromDoc(s.data));
    const last = jobs.at(-1);
    return snaps.length > limit && last ? { jobs, nextCursor: encodeCursor(last.createdAt, jobKey(last)) } : { jobs };
  }

  async dueForCleanup(options: {
    now: Date;
    namespace?: string;
    limit: number;
    startAfter?: JobDoc;
  }): Promise<JobDoc[]> {
    const decl = options.namespace ? QUERIES.finishedJobsDueForCleanupInNamespace : QUERIES.finishedJobsDueForCleanup;
    const after = options.startAfter;
    const spec = fromDecl(decl, {
      equals: { cleanupPending: true, ...(options.namespace ? { namespace: options.namespace } : {}) },
      range: { field: "cleanupDueAt", op: "<=", value: options.now.toISOString() },
      limit: options.limit,
      ...(after ? { startAfter: [after.cleanupDueAt, jobKey(after)] } : {}),
    });
    return (await this.db.query(JOBS, spec)).map((s) => fromDoc(s.data));
  }

  rescheduleCleanup(key: JobKey, dueAt: string): Promise<boolean> {
    const id = jobKey(key);
    return this.db.transaction(async (tx) => {
      const snap = await tx.get(JOBS, id);
      if (snap?.data.cleanupPending !== true) return false;
      tx.update(JOBS, id, { cleanupDueAt: dueAt });
      return true;
    });
  }

  async clearCleanupPending(key: JobKey): Promise<void> {
    await this.db.update(JOBS, jobKey(key), { cleanupPending: false }, ["cleanupDueAt"]);
  }

  claimFinishedEvent(key: JobKey, options: { now: Date; holdMs: number }): Promise<boolean> {
    const id = jobKey(key);
    return this.db.transaction(async (tx) => {
      const job = (await tx.get(JOBS, id))?.data as Partial<JobDoc> | undefined;
      if (!job || job.finishedEventPublished) return false;
      if (job.finishedEventClaimUntil && Date.parse(job.finishedEventClaimUntil) > options.now.getTime()) return false;
      tx.update(JOBS, id, { finishedEventClaimUntil: new Date(options.now.getTime() + options.holdMs).toISOString() });
      return true;
    });
  }

  async releaseFinishedEventClaim(key: JobKey): Promise<void> {
    await this.db.update(JOBS, jobKey(key), {}, ["finishedEventClaimUntil"]);
  }

  listExpired(now: Date, page: { limit: number; after?: Expiring<JobDoc> }): Promise<Array<Expiring<JobDoc>>> {
    return this.expiring.listExpired(now, page);
  }

  deleteIfUnchanged(records: Array<Expiring<JobDoc>>) {
    return this.expiring.deleteIfUnchanged(records);
  }
}

/**
 * Whether `input` would change the job as read. False means the store would
 * refuse or skip it, so a caller may save the transaction; the job as stored
 * can only be further along than as read, never behind.
 */
export function wouldChange(job: JobDoc, input: TransitionInput, now: Date): boolean {
  return applyTransition(job, input, now, { machine: JOB_MACHINE, retentionMs: 0 }) !== undefined;
}

function fromDoc(data: Record<string, unknown>): JobDoc {
  return { events: [], ...data } as unknown as JobDoc;
}
