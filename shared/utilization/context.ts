/**
 * What a utilization run works with (its deps) and what it has found so far
 * (its state), shared by the passes of a run.
 */
import type { SyncDeps } from "../jobs/sync.ts";
import type { AcceleratorJobStore } from "../store/accelerator-jobs.ts";
import type { LeaseStore } from "../store/lease-store.ts";
import type { RunStore } from "../store/run-store.ts";
import type { MetricsSource } from "./metrics.ts";
import {
  emptyUtilizationCounts,
  type UtilizationItem,
  type UtilizationRunSummary,
  type UtilizationSettings,
} from "./types.ts";

const MAX_ITEMS = 500;

export interface UtilizationDeps extends SyncDeps {
  acceleratorJobs: AcceleratorJobStore;
  leases: LeaseStore;
  utilizationRuns: RunStore<UtilizationRunSummary>;
  metrics: MetricsSource;
  /** Read at the start of every run: a config change applies on the next run. */
  settings: () => Promise<UtilizationSettings>;
}

/** What a run has found so far. */
export class RunState {
  readonly counts = emptyUtilizationCounts();
  readonly items: UtilizationItem[] = [];
  /** Jobs stopped by this run ("namespace:id"): never claimed again within it. */
  readonly stopped = new Set<string>();
  queries = 0;
  metricsError?: string;
  readonly settings: UtilizationSettings;
  constructor(settings: UtilizationSettings) {
    this.settings = settings;
  }
  item(i: UtilizationItem): void {
    if (this.items.length < MAX_ITEMS) this.items.push(i);
  }
}
