/**
 * Run records of a cron (cleanupRuns/{runId} today; the sync and utilization
 * runs can share it): one document per run id, so a retried scheduler tick
 * finds the run it repeats. Records expire `retentionDays` after they start.
 */
import type { DocDb } from "./docs.ts";
import { expiringRecords, type Expiring, type ExpiringRecords } from "./expiring.ts";

export const CLEANUP_RUNS = "cleanupRuns";
export const UTILIZATION_RUNS = "utilizationRuns";

/** The fields every run record has; a cron adds its own counts. */
export interface RunRecord {
  runId: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  message?: string;
}

export interface RunStore<T extends RunRecord> extends ExpiringRecords<T> {
  get(runId: string): Promise<T | undefined>;
  /** Writes the record unless one with its run id exists (false: it did, nothing written). */
  create(record: T): Promise<boolean>;
  /** Writes the record whole. */
  put(record: T): Promise<void>;
  /** Marks a run that died while "running" as interrupted (a finished record is left as it is). */
  markInterrupted(runId: string, message: string): Promise<void>;
  /** The newest `limit` records by start (one single-field ordering: Firestore's automatic index). */
  listRecent(limit: number): Promise<T[]>;
}

export class DocRunStore<T extends RunRecord> implements RunStore<T> {
  private readonly db: DocDb;
  private readonly collection: string;
  private readonly retentionMs: number;
  private readonly expiring: ExpiringRecords<T>;

  constructor(db: DocDb, collection: string, options: { retentionDays?: number } = {}) {
    this.db = db;
    this.collection = collection;
    this.retentionMs = (options.retentionDays ?? 30) * 86_400_000;
    this.expiring = expiringRecords<T>(db, collection);
  }

  async get(runId: string): Promise<T | undefined> {
    const snap = await this.db.get(this.collection, runId);
    if (!snap) return undefined;
    const { expireAt: _e, ...record } = snap.data;
    return record as unknown as T;
  }

  async create(record: T): Promise<boolean> {
    return (await this.db.create(this.collection, record.runId, this.stored(record))) !== false;
  }

  put(record: T): Promise<void> {
    return this.db.set(this.collection, record.runId, this.stored(record));
  }

  markInterrupted(runId: string, message: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      const snap = await tx.get(this.collection, runId);
      if (snap?.data.status === "running") tx.update(this.collection, runId, { status: "interrupted", message });
    });
  }

  async listRecent(limit: number): Promise<T[]> {
    const snaps = await this.db.query(this.collection, { orderBy: [{ field: "startedAt", dir: "desc" }], limit });
    return snaps.map((s) => {
      const { expireAt: _e, ...record } = s.data;
      return record as unknown as T;
    });
  }

  listExpired(now: Date, page: { limit: number; after?: Expiring<T> }): Promise<Array<Expiring<T>>> {
    return this.expiring.listExpired(now, page);
  }

  deleteIfUnchanged(records: Array<Expiring<T>>) {
    return this.expiring.deleteIfUnchanged(records);
  }

  private stored(record: T): Record<string, unknown> {
    return {
      ...(record as unknown as Record<string, unknown>),
      expireAt: new Date(Date.parse(record.startedAt) + this.retentionMs),
    };
  }
}
