/**
 * Every store over one document backend: Firestore in production and the
 * integration suites, memory in unit tests. The domain depends only on the
 * store ports; this is where they are wired to a backend.
 */
import type { Clock } from "./clock.ts";
import type { CleanupSummary } from "./cleanup/types.ts";
import type { DocDb } from "./store/docs.ts";
import { DocJobStore, type JobStore } from "./store/job-store.ts";
import { DocLeaseStore, type LeaseStore } from "./store/lease-store.ts";
import { MemoryDocs } from "./store/memory-docs.ts";
import { CLEANUP_RUNS, DocRunStore, type RunStore } from "./store/run-store.ts";
import { systemClock } from "./clock.ts";

export interface Stores {
  /** The job store. */
  store: JobStore;
  leases: LeaseStore;
  cleanupRuns: RunStore<CleanupSummary>;
}

export interface StoresOptions {
  clock?: Clock;
  /** Days a finished record is kept. */
  retentionDays?: number;
}

export function createStores(docs: DocDb, options: StoresOptions = {}): Stores {
  const clock = options.clock ?? systemClock;
  const retention = options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {};
  return {
    store: new DocJobStore(docs, { clock, ...retention }),
    leases: new DocLeaseStore(docs, clock),
    cleanupRuns: new DocRunStore<CleanupSummary>(docs, CLEANUP_RUNS, retention),
  };
}

/** Stores in memory, with Firestore's transaction semantics: for fast domain tests. */
export function memoryStores(options: StoresOptions = {}): Stores & { docs: MemoryDocs } {
  const docs = new MemoryDocs();
  return { ...createStores(docs, options), docs };
}
