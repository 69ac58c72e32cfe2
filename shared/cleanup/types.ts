/**
 * The vocabulary of a cleanup run: what it was asked to do, what it found
 * for each object (and why), and the summary every run leaves in the log and
 * in its `cleanupRuns/{runId}` record.
 */
import type { ClusterClient } from "../cluster/types.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { RuntimeConfig } from "../runtime-config.ts";
import type { JobStore } from "../store/job-store.ts";
import type { LeaseStore } from "../store/lease-store.ts";
import type { RunStore } from "../store/run-store.ts";
import type { ReferenceReader } from "./references.ts";

export interface CleanupDeps {
  store: JobStore;
  leases: LeaseStore;
  cleanupRuns: RunStore<CleanupSummary>;
  cluster: ClusterClient;
  config: Pick<RuntimeConfig, "defaultTtlSeconds" | "retentionDays">;
  clock: Clock;
  log: Logger;
  /** Reads which Secrets/ConfigMaps/ServiceAccounts live workloads mount; absent = only job-id labels decide. */
  references?: ReferenceReader;
}

export interface CleanupOptions {
  /** Scope to one namespace; without it the whole cluster (and the record retention purge) is swept. */
  namespace?: string;
  /** List what would be deleted, delete nothing (the run record is still written). */
  dryRun?: boolean;
  /** Delete stale Secrets, ConfigMaps, ServiceAccounts and orphaned Pods (otherwise they are only listed). */
  deleteStale?: boolean;
  /** Also delete running and pending jobs (their records become CANCELLED first). Needs `namespace`. */
  includeActive?: boolean;
  /** Delete finished workloads now, whatever their TTL (Kaptain's delete-completed / clean-all). */
  ignoreTtl?: boolean;
  /** Run the Firestore record retention purge (default: only in cluster-wide runs). */
  purgeRecords?: boolean;
  /** Run id: the Cloud Scheduler schedule time for ticks, so a retried tick is recognised. */
  runId?: string;
  /** Who asked: "schedule" or the API principal. */
  trigger?: string;
  /** Page size for Firestore queries (default 200). */
  pageSize?: number;
  /** How long the lease is held without renewal (default 10 min, above the function's 540 s timeout). */
  leaseMs?: number;
}

export type ItemAction = "deleted" | "would-delete" | "kept" | "already-gone" | "purged" | "would-purge" | "error";

export interface CleanupItem {
  action: ItemAction;
  kind: string;
  namespace?: string;
  name: string;
  jobId?: string;
  reason: string;
}

export interface CleanupCounts {
  deleted: number;
  wouldDelete: number;
  kept: number;
  alreadyGone: number;
  purged: number;
  wouldPurge: number;
  errors: number;
}

/** Firestore work done by the run, so cost is visible per run (and benchmarked). */
export interface CleanupCost {
  reads: number;
  writes: number;
  deletes: number;
}

export type RunStatus = "running" | "completed" | "failed" | "skipped" | "duplicate" | "interrupted";

export interface CleanupSummary {
  runId: string;
  status: RunStatus;
  trigger: string;
  dryRun: boolean;
  options: Omit<CleanupOptions, "runId" | "trigger" | "pageSize" | "leaseMs">;
  startedAt: string;
  finishedAt?: string;
  counts: CleanupCounts;
  /** Up to MAX_ITEMS entries; the rest are counted in itemsTruncated. */
  items: CleanupItem[];
  itemsTruncated: number;
  cost: CleanupCost;
  /** Why the run did nothing (skipped / duplicate) or stopped (failed / interrupted). */
  message?: string;
}

export const MAX_ITEMS = 500;

export function emptyCounts(): CleanupCounts {
  return { deleted: 0, wouldDelete: 0, kept: 0, alreadyGone: 0, purged: 0, wouldPurge: 0, errors: 0 };
}

const COUNTER: Record<ItemAction, keyof CleanupCounts> = {
  deleted: "deleted",
  "would-delete": "wouldDelete",
  kept: "kept",
  "already-gone": "alreadyGone",
  purged: "purged",
  "would-purge": "wouldPurge",
  error: "errors",
};

/** Collects items and counts for one run; the item list is capped so the run record stays far below 1 MiB. */
export class RunReport {
  readonly counts = emptyCounts();
  readonly items: CleanupItem[] = [];
  readonly cost: CleanupCost = { reads: 0, writes: 0, deletes: 0 };
  truncated = 0;

  add(item: CleanupItem): void {
    this.counts[COUNTER[item.action]]++;
    if (this.items.length < MAX_ITEMS) this.items.push(item);
    else this.truncated++;
  }

  /** Bulk count without listing each item (e.g. records purged by the thousand). */
  count(action: ItemAction, n: number): void {
    this.counts[COUNTER[action]] += n;
  }
}
