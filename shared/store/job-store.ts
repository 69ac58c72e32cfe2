/**
 * The job store: jobs/{jobId}. Creation is first-writer-wins, and every
 * state change runs in a transaction that refuses to move a job backwards,
 * so duplicate, late or reordered messages are harmless. `JobStore` is the
 * port the domain uses; `DocJobStore` is its one implementation, over either
 * document backend (Firestore in production, memory in unit tests).
 */
import { systemClock, type Clock } from "../clock.ts";
import { KineticError } from "../errors.ts";
import { canTransition, isTerminal, type JobState } from "../schemas/job-state.ts";
import type { JobEvent, JobRecord } from "../schemas/job-record.ts";
import type { WorkloadRef } from "../cluster/types.ts";
import type { DocDb, StoreStats } from "./docs.ts";
import { expiringRecords, type Expiring, type ExpiringRecords } from "./expiring.ts";
import { fromDecl, QUERIES } from "./queries.ts";
import { transitionRecord, type Transition, type TransitionResult as RecordResult } from "./state-record.ts";

export const JOBS = "jobs";
const JOB_MACHINE = { canTransition, isTerminal };

/** The stored document: the public record plus bookkeeping fields. */
export interface JobDoc extends JobRecord {
  events: JobEvent[];
  /** True until the job is terminal and its finished event was published. */
  active: boolean;
  /** Where the submission came from: "pubsub:<messageId>" or "http:<principal>". */
  source?: string;
  /** When the job entered its current pending kind (Unschedulable/Queued), for pending timeouts. */
  pendingSince?: string;
  pendingKind?: string;
  /** Set once the job-finished event has been published. */
  finishedEventPublished?: boolean;
  /** Until when one publisher holds the right to publish the finished event (see claimFinishedEvent). */
  finishedEventClaimUntil?: string;
  /** cleanupTtl bookkeeping: cluster objects still to delete, and when. */
  cleanupPending?: boolean;
  cleanupDueAt?: string;
  /** Retention: the record itself is deleted after this (Firestore TTL policy and the cleanup purge). */
  expireAt?: Date;
}

export interface NewJob {
  id: string;
  namespace: string;
  accelerator: string;
  image?: string;
  spec?: Record<string, unknown>;
  source?: string;
  /** QUEUED normally; REJECTED for bad input; CANCELLED for a tombstone (a cancel that overtook its submission). */
  state?: "QUEUED" | "REJECTED" | "CANCELLED";
  reason?: string;
  message?: string;
}

export type TransitionInput = Transition<JobState, JobDoc>;

export interface TransitionResult {
  applied: boolean;
  job: JobDoc;
}

export interface ListFilter {
  state?: JobState;
  namespace?: string;
  limit?: number;
  cursor?: string;
}

export type JobPatch = Partial<Omit<JobDoc, "id" | "state" | "events">>;

/** The job store port. */
export interface JobStore extends ExpiringRecords<JobDoc> {
  readonly stats: StoreStats;
  /** Creates the job unless one with this id exists; returns the stored job and whether this call created it. */
  create(input: NewJob): Promise<{ created: boolean; job: JobDoc }>;
  get(id: string): Promise<JobDoc | undefined>;
  /** The existing jobs among `ids`, by id (one billed read per id). */
  getMany(ids: string[]): Promise<Map<string, JobDoc>>;
  /**
   * Moves a job to `to` inside a transaction. A move that would go backwards,
   * or leave a terminal state, is not applied (applied: false) and is not an
   * error: it is what a late or duplicate message looks like.
   */
  transition(id: string, input: TransitionInput): Promise<TransitionResult>;
  /** Updates bookkeeping fields that carry no state meaning (no event, no state check). */
  patch(id: string, fields: JobPatch): Promise<void>;
  /** Active jobs, least recently updated first: costs O(active), never O(history). */
  listActive(options?: { limit?: number; startAfter?: JobDoc }): Promise<JobDoc[]>;
  /** Newest first, filtered by state and/or namespace, with an opaque cursor. */
  list(filter?: ListFilter): Promise<{ jobs: JobDoc[]; nextCursor?: string }>;
  /** Finished jobs whose cluster objects are due for deletion at `now`: O(due), never O(history). */
  dueForCleanup(options: { now: Date; namespace?: string; limit: number; startAfter?: JobDoc }): Promise<JobDoc[]>;
  /** Moves a pending cleanup's due time (the TTL grew); false when the cleanup is no longer pending. */
  rescheduleCleanup(id: string, dueAt: string): Promise<boolean>;
  /** Marks the job's cluster objects as cleaned up; a record purged meanwhile is not an error. */
  clearCleanupPending(id: string): Promise<void>;
  /**
   * Claims the right to publish the job's finished event: true for exactly one
   * caller among concurrent ones; false once it was published or while another
   * caller's claim holds. A claim whose holder died lapses after `holdMs`.
   */
  claimFinishedEvent(id: string, options: { now: Date; holdMs: number }): Promise<boolean>;
  /** Gives a claim back after a publish that failed, so the next sync retries at once. */
  releaseFinishedEventClaim(id: string): Promise<void>;
}

export interface StoreOptions {
  clock?: Clock;
  /** Days a finished record is kept before retention removes it. */
  retentionDays?: number;
}

export class DocJobStore implements JobStore {
  private readonly db: DocDb;
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly expiring: ExpiringRecords<JobDoc>;

  constructor(db: DocDb, options: StoreOptions = {}) {
    this.db = db;
    this.clock = options.clock ?? systemClock;
    this.retentionMs = (options.retentionDays ?? 30) * 86_400_000;
    this.expiring = expiringRecords<JobDoc>(db, JOBS);
  }

  get stats(): StoreStats {
    return this.db.stats;
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
    if (await this.db.create(JOBS, input.id, { ...doc })) return { created: true, job: doc };
    const existing = await this.get(input.id);
    if (!existing) throw new KineticError("unavailable", `job ${input.id} vanished during create`);
    return { created: false, job: existing };
  }

  async get(id: string): Promise<JobDoc | undefined> {
    const snap = await this.db.get(JOBS, id);
    return snap ? fromDoc(snap.data) : undefined;
  }

  async getMany(ids: string[]): Promise<Map<string, JobDoc>> {
    const snaps = await this.db.getAll(JOBS, [...new Set(ids)]);
    return new Map(snaps.map((s) => [s.id, { ...fromDoc(s.data), id: s.id }]));
  }

  async transition(id: string, input: TransitionInput): Promise<TransitionResult> {
    const r: RecordResult<JobDoc> = await transitionRecord(this.db, JOBS, id, input, {
      machine: JOB_MACHINE,
      clock: this.clock,
      retentionMs: this.retentionMs,
      noun: "job",
    });
    return { applied: r.applied, job: r.record };
  }

  async patch(id: string, fields: JobPatch): Promise<void> {
    if (!(await this.db.update(JOBS, id, { ...fields }))) throw new KineticError("not-found", `job ${id} not found`);
  }

  async listActive(options: { limit?: number; startAfter?: JobDoc } = {}): Promise<JobDoc[]> {
    const after = options.startAfter;
    const spec = fromDecl(QUERIES.activeJobsByUpdate, {
      equals: { active: true },
      limit: options.limit ?? 200,
      ...(after ? { startAfter: [after.updatedAt, after.id] } : {}),
    });
    return (await this.db.query(JOBS, spec)).map((s) => fromDoc(s.data));
  }

  async list(filter: ListFilter = {}): Promise<{ jobs: JobDoc[]; nextCursor?: string }> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const equals: Record<string, unknown> = {};
    if (filter.namespace) equals.namespace = filter.namespace;
    if (filter.state) equals.state = filter.state;
    const decl =
      filter.namespace && filter.state
        ? QUERIES.jobsByNamespaceStateNewest
        : filter.namespace
          ? QUERIES.jobsByNamespaceNewest
          : filter.state
            ? QUERIES.jobsByStateNewest
            : undefined;
    const c = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const startAfter = c ? { startAfter: [c.createdAt, c.id] } : {};
    const spec = decl
      ? fromDecl(decl, { equals, limit: limit + 1, ...startAfter })
      : { orderBy: [{ field: "createdAt", dir: "desc" as const }], limit: limit + 1, ...startAfter };
    const snaps = await this.db.query(JOBS, spec);
    const jobs = snaps.slice(0, limit).map((s) => fromDoc(s.data));
    const last = jobs.at(-1);
    return snaps.length > limit && last ? { jobs, nextCursor: encodeCursor(last) } : { jobs };
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
      ...(after ? { startAfter: [after.cleanupDueAt, after.id] } : {}),
    });
    return (await this.db.query(JOBS, spec)).map((s) => ({ ...fromDoc(s.data), id: s.id }));
  }

  rescheduleCleanup(id: string, dueAt: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const snap = await tx.get(JOBS, id);
      if (snap?.data.cleanupPending !== true) return false;
      tx.update(JOBS, id, { cleanupDueAt: dueAt });
      return true;
    });
  }

  async clearCleanupPending(id: string): Promise<void> {
    await this.db.update(JOBS, id, { cleanupPending: false }, ["cleanupDueAt"]);
  }

  claimFinishedEvent(id: string, options: { now: Date; holdMs: number }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const job = (await tx.get(JOBS, id))?.data as Partial<JobDoc> | undefined;
      if (!job || job.finishedEventPublished) return false;
      if (job.finishedEventClaimUntil && Date.parse(job.finishedEventClaimUntil) > options.now.getTime()) return false;
      tx.update(JOBS, id, { finishedEventClaimUntil: new Date(options.now.getTime() + options.holdMs).toISOString() });
      return true;
    });
  }

  async releaseFinishedEventClaim(id: string): Promise<void> {
    await this.db.update(JOBS, id, {}, ["finishedEventClaimUntil"]);
  }

  listExpired(now: Date, page: { limit: number; after?: Expiring<JobDoc> }): Promise<Array<Expiring<JobDoc>>> {
    return this.expiring.listExpired(now, page);
  }

  deleteIfUnchanged(records: Array<Expiring<JobDoc>>) {
    return this.expiring.deleteIfUnchanged(records);
  }
}

/** The public view of a stored job (what the API returns). */
export function toRecord(job: JobDoc, options: { events?: boolean } = {}): JobRecord {
  const {
    active: _a,
    source: _s,
    pendingSince: _p,
    pendingKind: _k,
    finishedEventPublished: _f,
    finishedEventClaimUntil: _fc,
    cleanupPending: _c,
    cleanupDueAt: _d,
    expireAt: _e,
    events,
    ...record
  } = job;
  return options.events ? { ...record, events } : record;
}

export function workloadOf(job: JobDoc): WorkloadRef | undefined {
  return job.workload;
}

function fromDoc(data: Record<string, unknown>): JobDoc {
  return { events: [], ...data } as unknown as JobDoc;
}

function encodeCursor(job: JobDoc): string {
  return Buffer.from(JSON.stringify([job.createdAt, job.id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof createdAt === "string" && typeof id === "string") return { createdAt, id };
  } catch {
    /* fall through */
  }
  throw new KineticError("invalid-argument", "cursor is not a cursor this API returned", {
    issues: [{ field: "cursor", message: "malformed pagination cursor" }],
  });
}
