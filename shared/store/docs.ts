/**
 * The document port every store is written against. Two implementations:
 * Firestore (`firestore-docs.ts`, the only code that imports the Firestore
 * SDK) and in-memory (`memory-docs.ts`, for fast domain tests). The job,
 * lease and cleanup-run stores are each written once over this port, so
 * their transaction semantics are the same on both by construction; one
 * contract suite (`test/contract/`) checks the two backends agree.
 *
 * Values are JSON-like plus `Date`: a Date is stored as a Firestore
 * Timestamp (what TTL policies need) and read back as a Date.
 */

export type Doc = Record<string, unknown>;

/** A document as read: its data and an opaque version that changes with every write. */
export interface Snapshot<T = Doc> {
  id: string;
  data: T;
  version: string;
}

export type FilterOp = "==" | "<" | "<=" | ">" | ">=";

export interface Filter {
  field: string;
  op: FilterOp;
  value: unknown;
}

export interface Order {
  field: string;
  dir: "asc" | "desc";
}

/**
 * A query: filters, then orderings; the document id is always the last
 * ordering (in the direction of the one before it), so pages are stable.
 * `startAfter` holds one value per ordering plus the id.
 */
export interface QuerySpec {
  where?: Filter[];
  orderBy?: Order[];
  startAfter?: unknown[];
  limit: number;
}

/** Writes buffered inside a transaction; reads must come before writes, as in Firestore. */
export interface DocTransaction {
  get(collection: string, id: string): Promise<Snapshot | undefined>;
  set(collection: string, id: string, data: Doc): void;
  update(collection: string, id: string, fields: Doc, remove?: string[]): void;
  delete(collection: string, id: string): void;
}

/** What a conditional delete did to one document. */
export type DeleteOutcome =
  { id: string; outcome: "deleted" | "changed" | "gone" } | { id: string; outcome: "error"; error: string };

/** Reads and writes a store made: the cost figures benchmarks and run records report. */
export interface StoreStats {
  reads: number;
  writes: number;
  deletes: number;
}

export interface DocDb {
  readonly stats: StoreStats;
  /**
   * Creates the document unless one with this id exists: the new document's version (for a later
   * `update(…, {ifVersion})`), or false when it existed (nothing written).
   */
  create(collection: string, id: string, data: Doc): Promise<string | false>;
  get(collection: string, id: string): Promise<Snapshot | undefined>;
  /** The existing documents among `ids` (missing ones are left out), one billed read per id. */
  getAll(collection: string, ids: string[]): Promise<Snapshot[]>;
  /**
   * Sets fields and removes others; false = no such document, or (with `ifVersion`) it changed since that
   * version was read: a compare-and-set in one write, where a transaction would cost a read and a commit.
   */
  update(
    collection: string,
    id: string,
    fields: Doc,
    remove?: string[],
    options?: { ifVersion?: string },
  ): Promise<boolean>;
  set(collection: string, id: string, data: Doc): Promise<void>;
  /** Runs `fn` atomically against a consistent view; it is re-run on contention, so it must not have side effects. */
  transaction<R>(fn: (tx: DocTransaction) => Promise<R>): Promise<R>;
  query(collection: string, spec: QuerySpec): Promise<Snapshot[]>;
  /** Deletes each document only if its version is still the one read (a record changed since is left alone). */
  deleteIfUnchanged(collection: string, docs: Array<{ id: string; version: string }>): Promise<DeleteOutcome[]>;
}

/** Drops `undefined` values (Firestore rejects them) from the top level of a document. */
export function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
