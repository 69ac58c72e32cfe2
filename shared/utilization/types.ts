/**
 * The vocabulary of a utilization check: its settings (read fresh every run,
 * so an operator's change applies on the next run), a job's verdict, and the
 * run record each run leaves in `utilizationRuns/{runId}` and in the log.
 */
import type { RunRecord } from "../store/run-store.ts";

export const MONITORED_KINDS = { gpu: ["gpu"], tpu: ["tpu"], all: ["gpu", "tpu"] } as const;

export interface UtilizationSettings {
  /** Startup-only: monitoring on/off (KINETIC_RESOURCE_MONITORING_ENABLED). Preemption runs either way. */
  enabled: boolean;
  /** Percent: a device whose every sample in the window is below this is idle. */
  lowUtilizationThreshold: number;
  /** Namespaces judged; empty = all. */
  targetNamespaces: string[];
  profile: keyof typeof MONITORED_KINDS;
  terminateUnderutilized: boolean;
  terminateUnderutilizedAfterMs: number;
  /** A job's first warm-up after it starts running is never judged. */
  warmUpMs: number;
  /** Idle needs this whole window of samples, all below the threshold. */
  windowMs: number;
  /** How often the metrics are sampled: the window must hold 80% of the samples this implies. */
  sampleIntervalMs: number;
  /** A job pending this long (from when it started waiting for capacity) may preempt overdue jobs. */
  pendingThresholdForPreemptionMs: number;
}

/** The stats of one pod for one metric family over the window. */
export interface PodStats {
  /** Highest sample of any of its devices. */
  peak: number;
  /** Fewest samples any of its devices has. */
  minSamples: number;
  /** Devices (series) seen. */
  devices: number;
}

export type Verdict =
  { kind: "busy"; peak: number } | { kind: "idle"; peak: number } | { kind: "unknown"; why: string };

export interface UtilizationCounts {
  /** Running accelerator jobs judged this run (in scope: namespaces and profile). */
  checked: number;
  busy: number;
  idle: number;
  unknown: number;
  /** Streak flips written: to low, and back to normal/unknown. */
  flippedLow: number;
  flippedBack: number;
  terminated: number;
  preempted: number;
  /** Result series that carried no pod label: counted and skipped, never read as zero. */
  seriesWithoutPod: number;
  /** Pods with metrics that belong to no running Kinetic job in scope (other workloads, finished jobs, other namespaces). */
  podsWithoutJob: number;
  errors: number;
}

export interface UtilizationItem {
  action: "terminated" | "preempted" | "flipped-low" | "flipped-back" | "error";
  namespace: string;
  jobId: string;
  reason: string;
}

export type UtilizationRunStatus = "running" | "completed" | "partial" | "skipped" | "failed";

export interface UtilizationRunSummary extends RunRecord {
  runId: string;
  status: UtilizationRunStatus;
  trigger: string;
  startedAt: string;
  finishedAt?: string;
  /** Settings in force for this run (so a run record shows what a config change did). */
  settings: UtilizationSettings;
  counts: UtilizationCounts;
  /** PromQL queries sent: a constant per run, not one per job. */
  queries: number;
  /** Set when the metrics endpoint could not be read: nothing was judged or terminated. */
  metricsError?: string;
  items: UtilizationItem[];
  /** Firestore work of the run. */
  cost: { reads: number; writes: number };
  message?: string;
}

export function emptyUtilizationCounts(): UtilizationCounts {
  return {
    checked: 0,
    busy: 0,
    idle: 0,
    unknown: 0,
    flippedLow: 0,
    flippedBack: 0,
    terminated: 0,
    preempted: 0,
    seriesWithoutPod: 0,
    podsWithoutJob: 0,
    errors: 0,
  };
}
