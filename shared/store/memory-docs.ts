/**
 * The document port in memory, for fast domain tests. It keeps Firestore's
 * semantics where they matter to correctness: create is first-writer-wins,
 * transactions are optimistic (a document read in a transaction that changes
 * before commit makes the transaction run again), reads after writes in a
 * transaction are refused, every operation yields to the event loop (so
 * concurrent callers really interleave), and queries order and page the way
 * Firestore does (documents missing an ordered field are left out).
 */
import { defined, type DeleteOutcome, type Doc, type DocDb, type DocTransaction, type Filter } from "./docs.ts";
import type { QuerySpec, Snapshot, StoreStats } from "./docs.ts";

interface Stored {
  data: Doc;
  version: number;
}

const MAX_ATTEMPTS = 25;

export class MemoryDocs implements DocDb {
  readonly stats: StoreStats = { reads: 0, writes: 0, deletes: 0 };
  private readonly collections = new Map<string, Map<string, Stored>>();
  private clock = 0;

  private coll(name: string): Map<string, Stored> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new Map()));
    return c;
  }

  private write(collection: string, id: string, data: Doc | undefined): void {
    if (data === undefined) this.coll(collection).delete(id);
    else this.coll(collection).set(id, { data: structuredClone(defined(data)), version: ++this.clock });
  }

  private snapshot(collection: string, id: string): Snapshot | undefined {
    const s = this.coll(collection).get(id);
    return s ? { id, data: structuredClone(s.data), version: String(s.version) } : undefined;
  }

  async create(collection: string, id: string, data: Doc): Promise<string | false> {
    await tick();
    this.stats.writes++;
    if (this.coll(collection).has(id)) return false;
    this.write(collection, id, data);
    return String(this.coll(collection).get(id)!.version);
  }

  async get(collection: string, id: string): Promise<Snapshot | undefined> {
    await tick();
    this.stats.reads++;
    return this.snapshot(collection, id);
  }

  async getAll(collection: string, ids: string[]): Promise<Snapshot[]> {
    await tick();
    this.stats.reads += ids.length;
    return ids.map((id) => this.snapshot(collection, id)).filter((s): s is Snapshot => s !== undefined);
  }

  async update(
    collection: string,
    id: string,
    fields: Doc,
    remove: string[] = [],
    options: { ifVersion?: string } = {},
  ): Promise<boolean> {
    await tick();
    this.stats.writes++;
    const current = this.coll(collection).get(id);
    if (!current) return false;
    if (options.ifVersion !== undefined && String(current.version) !== options.ifVersion) return false;
    this.write(collection, id, patched(current.data, fields, remove));
    return true;
  }

  async set(collection: string, id: string, data: Doc): Promise<void> {
    await tick();
    this.stats.writes++;
    this.write(collection, id, data);
  }

  async transaction<R>(fn: (tx: DocTransaction) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const tx = new MemoryTx(this);
      const result = await fn(tx);
      await tick();
      // Optimistic commit: every document read must be unchanged, else run again (Firestore's contention retry).
      const stale = [...tx.reads].some(([key, version]) => {
        const [collection, id] = splitKey(key);
        return (this.coll(collection).get(id)?.version ?? 0) !== version;
      });
      if (!stale) {
        for (const w of tx.writes) this.write(w.collection, w.id, w.data(this.coll(w.collection).get(w.id)?.data));
        return result;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error("transaction contention: too many attempts");
    }
  }

  async query(collection: string, spec: QuerySpec): Promise<Snapshot[]> {
    await tick();
    const orders = spec.orderBy ?? [];
    const lastDir = orders.at(-1)?.dir ?? "asc";
    const keyOf = (s: Snapshot) => [...orders.map((o) => s.data[o.field]), s.id];
    const dirs = [...orders.map((o) => o.dir), lastDir];
    const cmp = (a: unknown[], b: unknown[]) => {
      for (let i = 0; i < a.length; i++) {
        const c = compareValues(a[i], b[i]);
        if (c !== 0) return dirs[i] === "desc" ? -c : c;
      }
      return 0;
    };
    let rows = [...this.coll(collection).keys()]
      .map((id) => this.snapshot(collection, id)!)
      .filter((s) => (spec.where ?? []).every((f) => matches(s.data, f)))
      .filter((s) => orders.every((o) => s.data[o.field] !== undefined))
      .sort((a, b) => cmp(keyOf(a), keyOf(b)));
    if (spec.startAfter) rows = rows.filter((s) => cmp(keyOf(s), spec.startAfter!) > 0);
    rows = rows.slice(0, spec.limit);
    this.stats.reads += Math.max(1, rows.length);
    return rows;
  }

  async deleteIfUnchanged(collection: string, docs: Array<{ id: string; version: string }>): Promise<DeleteOutcome[]> {
    await tick();
    return docs.map((d) => {
      const current = this.coll(collection).get(d.id);
      if (!current) return { id: d.id, outcome: "gone" };
      if (String(current.version) !== d.version) return { id: d.id, outcome: "changed" };
      this.write(collection, d.id, undefined);
      this.stats.deletes++;
      return { id: d.id, outcome: "deleted" };
    });
  }

  /** @internal used by MemoryTx */
  read(collection: string, id: string): { snap: Snapshot | undefined; version: number } {
    const s = this.coll(collection).get(id);
    return { snap: this.snapshot(collection, id), version: s?.version ?? 0 };
  }
}

interface PendingWrite {
  collection: string;
  id: string;
  /** The new data given the data at commit time (undefined = delete). */
  data: (current: Doc | undefined) => Doc | undefined;
}

class MemoryTx implements DocTransaction {
  readonly reads = new Map<string, number>();
  readonly writes: PendingWrite[] = [];
  private readonly docs: MemoryDocs;

  constructor(docs: MemoryDocs) {
    this.docs = docs;
  }

  async get(collection: string, id: string): Promise<Snapshot | undefined> {
    if (this.writes.length)
      throw new Error("Firestore transactions require all reads to be executed before all writes");
    await tick();
    this.docs.stats.reads++;
    const { snap, version } = this.docs.read(collection, id);
    this.reads.set(joinKey(collection, id), version);
    return snap;
  }

  set(collection: string, id: string, data: Doc): void {
    this.docs.stats.writes++;
    this.writes.push({ collection, id, data: () => data });
  }

  update(collection: string, id: string, fields: Doc, remove: string[] = []): void {
    this.docs.stats.writes++;
    this.writes.push({
      collection,
      id,
      data: (current) => {
        if (!current) throw new Error(`no document to update: ${collection}/${id}`);
        return patched(current, fields, remove);
      },
    });
  }

  delete(collection: string, id: string): void {
    this.docs.stats.deletes++;
    this.writes.push({ collection, id, data: () => undefined });
  }
}

function patched(current: Doc, fields: Doc, remove: string[]): Doc {
  const next: Doc = { ...current, ...defined(fields) };
  for (const f of remove) delete next[f];
  return next;
}

function matches(data: Doc, f: Filter): boolean {
  const v = data[f.field];
  if (v === undefined) return false;
  const c = compareValues(v, f.value);
  if (typeOrder(v) !== typeOrder(f.value)) return false; // Firestore compares within one type only
  switch (f.op) {
    case "==":
      return c === 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}

// Firestore's cross-type order: null < booleans < numbers < timestamps < strings < others.
function typeOrder(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "number") return 2;
  if (v instanceof Date) return 3;
  if (typeof v === "string") return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ta = typeOrder(a);
  const tb = typeOrder(b);
  if (ta !== tb) return ta - tb;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x === "string" && typeof y === "string") return x < y ? -1 : x > y ? 1 : 0; // UTF-16 order: the same as Firestore for the ASCII ids and names Kinetic stores
  if (typeof x === "number" || typeof x === "boolean") return Number(x) - Number(y);
  return 0;
}

const joinKey = (collection: string, id: string) => `${collection}\u0000${id}`;
const splitKey = (key: string) => key.split("\u0000") as [string, string];

/** Yields to the event loop, as a network round trip would, so concurrent callers interleave. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
