/**
 * The document port on Firestore: the only module that imports the Firestore
 * SDK. It also translates SDK errors (gRPC codes) into Kinetic's error codes
 * at this boundary, so the domain never sees a gRPC status.
 */
import { forEachLimit } from "../concurrency.ts";
import {
  FieldPath,
  Firestore,
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentSnapshot,
  type Query,
  type Transaction,
} from "@google-cloud/firestore";
import { KineticError, type ErrorCode } from "../errors.ts";
import { defined, type DeleteOutcome, type Doc, type DocDb, type DocTransaction, type Snapshot } from "./docs.ts";
import type { QuerySpec, StoreStats } from "./docs.ts";

const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

export class FirestoreDocs implements DocDb {
  readonly stats: StoreStats = { reads: 0, writes: 0, deletes: 0 };
  private readonly db: Firestore;

  constructor(db: Firestore) {
    this.db = db;
  }

  async create(collection: string, id: string, data: Doc): Promise<string | false> {
    this.stats.writes++;
    try {
      // A created document's update time is its write time.
      return versionOf((await this.db.collection(collection).doc(id).create(defined(data))).writeTime);
    } catch (err) {
      if (codeOf(err) === ALREADY_EXISTS) return false;
      throw storeError(err, `create ${collection}/${id}`);
    }
  }

  async get(collection: string, id: string): Promise<Snapshot | undefined> {
    const snap = await guard(() => this.db.collection(collection).doc(id).get(), `read ${collection}/${id}`);
    this.stats.reads++;
    return toSnapshot(snap);
  }

  async getAll(collection: string, ids: string[]): Promise<Snapshot[]> {
    // getAll takes at most a few hundred references per call; 100 keeps each request small, and a few requests in
    // flight at once keep a 1,000-document read (a study's trials) from being ten round trips one after another.
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    const read: Snapshot[][] = new Array(chunks.length);
    await forEachLimit([...chunks.keys()], 4, async (k) => {
      const refs = chunks[k]!.map((id) => this.db.collection(collection).doc(id));
      const snaps = await guard(() => this.db.getAll(...refs), `read ${collection}`);
      this.stats.reads += snaps.length;
      read[k] = snaps.flatMap((s) => toSnapshot(s) ?? []);
    });
    return read.flat();
  }

  async update(
    collection: string,
    id: string,
    fields: Doc,
    remove: string[] = [],
    options: { ifVersion?: string } = {},
  ): Promise<boolean> {
    this.stats.writes++;
    const ref = this.db.collection(collection).doc(id);
    try {
      const data = updateData(fields, remove);
      if (options.ifVersion === undefined) await ref.update(data);
      else await ref.update(data, { lastUpdateTime: parseVersion(options.ifVersion) });
      return true;
    } catch (err) {
      const code = codeOf(err);
      if (code === NOT_FOUND || (options.ifVersion !== undefined && code === FAILED_PRECONDITION)) return false;
      throw storeError(err, `update ${collection}/${id}`);
    }
  }

  async set(collection: string, id: string, data: Doc): Promise<void> {
    this.stats.writes++;
    await guard(() => this.db.collection(collection).doc(id).set(defined(data)), `write ${collection}/${id}`);
  }

  transaction<R>(fn: (tx: DocTransaction) => Promise<R>): Promise<R> {
    return guard(
      () =>
        this.db.runTransaction(async (t) => {
          // Counted per attempt, as Firestore bills them.
          return fn(new FirestoreTx(this.db, t, this.stats));
        }),
      "transaction",
    );
  }

  async query(collection: string, spec: QuerySpec): Promise<Snapshot[]> {
    let q: Query = this.db.collection(collection);
    for (const f of spec.where ?? []) q = q.where(f.field, f.op, f.value);
    const orders = spec.orderBy ?? [];
    for (const o of orders) q = q.orderBy(o.field, o.dir);
    q = q.orderBy(FieldPath.documentId(), orders.at(-1)?.dir ?? "asc");
    if (spec.startAfter) q = q.startAfter(...spec.startAfter);
    const snap = await guard(() => q.limit(spec.limit).get(), `query ${collection}`);
    this.stats.reads += Math.max(1, snap.size); // an empty query still bills one read
    return snap.docs.map((d) => toSnapshot(d)!);
  }

  async deleteIfUnchanged(collection: string, docs: Array<{ id: string; version: string }>): Promise<DeleteOutcome[]> {
    if (!docs.length) return [];
    // BulkWriter paces itself under Firestore's ramp-up rules; a changed record fails its precondition and stays.
    const writer = this.db.bulkWriter();
    writer.onWriteError((err) => err.code !== FAILED_PRECONDITION && err.code !== NOT_FOUND && err.failedAttempts < 5);
    const outcomes = docs.map((d) =>
      writer
        .delete(this.db.collection(collection).doc(d.id), { lastUpdateTime: parseVersion(d.version) })
        .then((): DeleteOutcome => {
          this.stats.deletes++;
          return { id: d.id, outcome: "deleted" };
        })
        .catch((err: unknown): DeleteOutcome => {
          const code = codeOf(err);
          if (code === FAILED_PRECONDITION) return { id: d.id, outcome: "changed" };
          if (code === NOT_FOUND) return { id: d.id, outcome: "gone" };
          return { id: d.id, outcome: "error", error: err instanceof Error ? err.message : String(err) };
        }),
    );
    await writer.close();
    return Promise.all(outcomes);
  }
}

class FirestoreTx implements DocTransaction {
  private readonly db: Firestore;
  private readonly t: Transaction;
  private readonly stats: StoreStats;

  constructor(db: Firestore, t: Transaction, stats: StoreStats) {
    this.db = db;
    this.t = t;
    this.stats = stats;
  }

  async get(collection: string, id: string): Promise<Snapshot | undefined> {
    const snap = await this.t.get(this.db.collection(collection).doc(id));
    this.stats.reads++;
    return toSnapshot(snap);
  }

  set(collection: string, id: string, data: Doc): void {
    this.stats.writes++;
    this.t.set(this.db.collection(collection).doc(id), defined(data));
  }

  update(collection: string, id: string, fields: Doc, remove: string[] = []): void {
    this.stats.writes++;
    this.t.update(this.db.collection(collection).doc(id), updateData(fields, remove));
  }

  delete(collection: string, id: string): void {
    this.stats.deletes++;
    this.t.delete(this.db.collection(collection).doc(id));
  }
}

function updateData(fields: Doc, remove: string[]): DocumentData {
  const data: DocumentData = defined({ ...fields });
  for (const f of remove) data[f] = FieldValue.delete();
  return data;
}

function toSnapshot(snap: DocumentSnapshot): Snapshot | undefined {
  if (!snap.exists) return undefined;
  return { id: snap.id, data: fromFirestore(snap.data()!) as Doc, version: versionOf(snap.updateTime!) };
}

/** Timestamps come back as Dates, so the domain never sees a Firestore type. */
function fromFirestore(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(fromFirestore);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromFirestore(v)]));
  }
  return value;
}

// The update time, at full (nanosecond) precision, so a precondition matches it exactly.
function versionOf(t: Timestamp): string {
  return `${t.seconds}.${String(t.nanoseconds).padStart(9, "0")}`;
}

function parseVersion(v: string): Timestamp {
  const [s, n] = v.split(".");
  return new Timestamp(Number(s), Number(n));
}

function codeOf(err: unknown): number | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "number" ? code : undefined;
}

async function guard<T>(op: () => Promise<T>, what: string): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw storeError(err, what);
  }
}

/**
 * gRPC status → Kinetic code. Transient faults stay retryable; a document
 * the store can never accept (too large, invalid) is a permanent error.
 */
export function storeError(err: unknown, what: string): KineticError {
  if (err instanceof KineticError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  const tooLarge = /exceeds the maximum|too large|maximum allowed size/i.test(message);
  const kinetic: ErrorCode =
    code === 3 || (code === 8 && tooLarge)
      ? "invalid-argument"
      : code === 5
        ? "not-found"
        : code === 6
          ? "already-exists"
          : code === 8
            ? "resource-exhausted"
            : code === 4 || code === 10 || code === 14
              ? "unavailable"
              : "internal";
  return new KineticError(kinetic, `Firestore could not ${what}: ${message}`, { cause: err });
}

/** A Firestore-backed document store for a project (emulator when FIRESTORE_EMULATOR_HOST is set). */
/** `databaseId` selects the cluster's own database: clusters sharing a project never see each other's jobs. */
export function openFirestore(options: { projectId?: string; databaseId?: string } = {}): FirestoreDocs {
  return new FirestoreDocs(
    new Firestore({
      ...(options.projectId ? { projectId: options.projectId } : {}),
      ...(options.databaseId ? { databaseId: options.databaseId } : {}),
    }),
  );
}
