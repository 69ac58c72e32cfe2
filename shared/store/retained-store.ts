/** What every record store over the document port shares: its backend, its clock and how long finished records stay. */
import { systemClock, type Clock } from "../clock.ts";
import type { DocDb, StoreStats } from "./docs.ts";

export interface RetainedStoreOptions {
  clock?: Clock;
  /** Days a finished record is kept before retention removes it (default 30). */
  retentionDays?: number;
}

export abstract class RetainedStore {
  protected readonly db: DocDb;
  protected readonly clock: Clock;
  readonly retentionMs: number;

  constructor(db: DocDb, options: RetainedStoreOptions = {}) {
    this.db = db;
    this.clock = options.clock ?? systemClock;
    this.retentionMs = (options.retentionDays ?? 30) * 86_400_000;
  }

  get stats(): StoreStats {
    return this.db.stats;
  }
}
