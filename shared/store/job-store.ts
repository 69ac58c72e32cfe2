/**
 * Firestore store for jobs/{jobId}. Creation is first-writer-wins (`create()`),
 * and every state change runs in a transaction that refuses to move a job
 * backwards, so duplicate, late or reordered messages are harmless.
 */
import { FieldPath, Timestamp, type Firestore, type Query, type DocumentData } from "@google-cloud/firestore";
import { systemClock, type Clock } from "../clock.ts";
import { KineticError } from "../errors.ts";
import { canTransition, isTerminal, type JobState } from "../schemas/job-state.ts";
import type { JobEvent, JobRecord } from "../schemas/job-record.ts";
import type { WorkloadRef } from "../cluster/types.ts";
import { QUERIES, type QueryDecl } from "./queries.ts";

export const JOBS = "jobs";
const MAX_EVENTS = 50;

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
  /** cleanupTtl bookkeeping: cluster objects still to delete, and when. */
  cleanupPending?: boolean;
  cleanupDueAt?: string;
  /** Firestore TTL policy field: the record itself is deleted after this. */
  expireAt?: Timestamp;
}

export interface NewJob {
  id: string;
  namespace: string;
  accelerator: string;
  image?: string;
  spec?: Record<string, unknown>;
  source?: string;
  state?: "QUEUED" | "REJECTED";
  reason?: string;
  message?: string;
}

export interface TransitionInput {
  to: JobState;
  reason: string;
  message?: string;
  patch?: Partial<Omit<JobDoc, "id" | "state" | "events" | "createdAt">>;
}

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

export interface StoreOptions {
  clock?: Clock;
  /** Days a finished record is kept before Firestore's TTL removes it. */
  retentionDays?: number;
}

/** Document reads and writes this store has made: the cost figures benchmarks and run logs report. */
export interface StoreStats {
  reads: number;
  writes: number;
}

export class JobStore {
  readonly db: Firestore;
  readonly stats: StoreStats = { reads: 0, writes: 0 };
  private readonly clock: Clock;
  private readonly retentionDays: number;

  constructor(db: Firestore, options: StoreOptions = {}) {
    this.db = db;
    this.clock = options.clock ?? systemClock;
    this.retentionDays = options.retentionDays ?? 30;
  }

  private ref(id: string) {
    return this.db.collection(JOBS).doc(id);
  }

  /**
   * Creates the job if no job with this id exists. Returns the stored job and
   * whether this call created it (false = duplicate submission).
   */
  async create(input: NewJob): Promise<{ created: boolean; job: JobDoc }> {
    const now = this.clock.now().toISOString();
    const state = input.state ?? "QUEUED";
    const doc: JobDoc = {
      id: input.id,
      state,
      namespace: input.namespace,
      accelerator: input.accelerator,
      ...(input.image ? { image: input.image } : {}),
      createdAt: now,
      updatedAt: now,
      ...(input.spec ? { spec: input.spec } : {}),
      ...(input.source ? { source: input.source } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.message ? { message: input.message } : {}),
      events: [
        { at: now, state, reason: input.reason ?? "Accepted", ...(input.message ? { message: input.message } : {}) },
      ],
      active: !isTerminal(state),
      ...(isTerminal(state) ? { finishedAt: now, expireAt: this.expiry(now) } : {}),
    };
    try {
      this.stats.writes++;
      await this.ref(input.id).create(stripUndefined(doc));
      return { created: true, job: doc };
    } catch (err) {
      if (grpcCode(err) !== 6 /* ALREADY_EXISTS */) throw err;
      const existing = await this.get(input.id);
      if (!existing) throw new KineticError("unavailable", `job ${input.id} vanished during create`, { cause: err });
      return { created: false, job: existing };
    }
  }

  async get(id: string): Promise<JobDoc | undefined> {
    const snap = await this.ref(id).get();
    this.stats.reads++;
    return snap.exists ? fromDoc(snap.data()!) : undefined;
  }

  /**
   * Moves a job to `to` inside a transaction. A move that would go backwards,
   * or leave a terminal state, is not applied (applied: false) and is not an
   * error: it is what a late or duplicate message looks like.
   */
  async transition(id: string, input: TransitionInput): Promise<TransitionResult> {
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.ref(id));
      this.stats.reads++;
      if (!snap.exists) throw new KineticError("not-found", `job ${id} not found`);
      const job = fromDoc(snap.data()!);
      if (!canTransition(job.state, input.to)) return { applied: false, job };
      const sameState = job.state === input.to;
      const changed =
        !sameState ||
        job.reason !== input.reason ||
        (input.message !== undefined && job.message !== input.message) ||
        (input.patch !== undefined &&
          Object.entries(input.patch).some(([k, v]) => !sameValue(job[k as keyof JobDoc], v)));
      if (!changed) return { applied: false, job };
      const now = this.clock.now().toISOString();
      const terminal = isTerminal(input.to);
      const next: JobDoc = {
        ...job,
        ...input.patch,
        state: input.to,
        reason: input.reason,
        ...(input.message !== undefined ? { message: input.message } : {}),
        updatedAt: now,
        ...(terminal
          ? { finishedAt: job.finishedAt ?? input.patch?.finishedAt ?? now, expireAt: this.expiry(now) }
          : {}),
      };
      // A detail refresh within one state (e.g. a new pending message) is not a history event.
      if (!sameState) {
        next.events = [
          ...job.events,
          { at: now, state: input.to, reason: input.reason, ...(input.message ? { message: input.message } : {}) },
        ].slice(-MAX_EVENTS);
      }
      tx.set(this.ref(id), stripUndefined(next));
      this.stats.writes++;
      return { applied: true, job: next };
    });
  }

  /** Updates bookkeeping fields that carry no state meaning (no event, no state check). */
  async patch(id: string, fields: Partial<Omit<JobDoc, "id" | "state" | "events">>): Promise<void> {
    this.stats.writes++;
    await this.ref(id).update(stripUndefined({ ...fields }) as DocumentData);
  }

  /** Active jobs, least recently updated first: costs O(active), never O(history). */
  async listActive(options: { limit?: number; startAfter?: JobDoc } = {}): Promise<JobDoc[]> {
    let q = this.ordered(QUERIES.activeJobsByUpdate, { active: true });
    if (options.startAfter) q = q.startAfter(options.startAfter.updatedAt, options.startAfter.id);
    const snap = await q.limit(options.limit ?? 200).get();
    this.stats.reads += Math.max(1, snap.size); // an empty query still bills one read
    return snap.docs.map((d) => fromDoc(d.data()));
  }

  /** Newest first, filtered by state and/or namespace, with an opaque cursor. */
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
    let q: Query = decl
      ? this.ordered(decl, equals)
      : this.db.collection(JOBS).orderBy("createdAt", "desc").orderBy(FieldPath.documentId(), "desc");
    if (filter.cursor) {
      const c = decodeCursor(filter.cursor);
      q = q.startAfter(c.createdAt, c.id);
    }
    const snap = await q.limit(limit + 1).get();
    this.stats.reads += Math.max(1, snap.size);
    const jobs = snap.docs.slice(0, limit).map((d) => fromDoc(d.data()));
    const last = jobs.at(-1);
    return snap.docs.length > limit && last ? { jobs, nextCursor: encodeCursor(last) } : { jobs };
  }

  /** Builds a query from its declaration: equality filters, then the ordered fields, then the id. */
  private ordered(decl: QueryDecl, equals: Record<string, unknown>): Query {
    let q: Query = this.db.collection(decl.collection);
    const orderFields = decl.fields.filter((f) => !(f.field in equals));
    for (const f of decl.fields) if (f.field in equals) q = q.where(f.field, "==", equals[f.field]);
    for (const f of orderFields) q = q.orderBy(f.field, f.order === "ASCENDING" ? "asc" : "desc");
    const lastOrder = orderFields.at(-1)?.order === "DESCENDING" ? "desc" : "asc";
    return q.orderBy(FieldPath.documentId(), lastOrder);
  }

  private expiry(finishedIso: string): Timestamp {
    return Timestamp.fromMillis(Date.parse(finishedIso) + this.retentionDays * 86_400_000);
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

function fromDoc(data: DocumentData): JobDoc {
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

function grpcCode(err: unknown): number | undefined {
  return typeof err === "object" && err !== null && "code" in err ? (err as { code: number }).code : undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Firestore rejects `undefined` values; drop them. */
function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
