/** The slices of the API's JSON the pages read (shapes from shared/schemas and shared/store). */
import { TERMINAL_STATES } from "../../shared/schemas/job-state.ts";
export interface JobEvent {
  at: string;
  state: string;
  reason: string;
  message?: string;
}
export interface JobAttempt {
  attempt: number;
  workload: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  outcome?: string;
  reason?: string;
  message?: string;
}
export interface Job {
  id: string;
  namespace: string;
  state: string;
  accelerator: string;
  image?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  outputDir?: string;
  spec?: Record<string, unknown>;
  events?: JobEvent[];
  attempts?: JobAttempt[];
}
export interface BestTrial {
  index: number;
  trialId: string;
  value: number;
  params: Record<string, unknown>;
}
export interface Study {
  id: string;
  namespace: string;
  state: string;
  reason?: string;
  message?: string;
  counts: Record<string, number>;
  plannedTrials?: number;
  planned?: number;
  issued?: number;
  created?: number;
  best?: BestTrial;
  createdAt?: string;
  notes?: string[];
}
export interface Trial {
  id: string;
  index: number;
  state: string;
  jobId: string;
  namespace: string;
  params: Record<string, unknown>;
  objective?: number;
  reason?: string;
}
export interface Build {
  id: string;
  key: string;
  state: string;
  image?: string;
  accelerator?: string;
  createdAt: string;
  startedAt?: string;
  durationMs?: number;
  reason?: string;
}

// The state machine's own lists (a leaf module without imports), so a new state shows here as everywhere.
export { JOB_STATES } from "../../shared/schemas/job-state.ts";
export const TERMINAL: ReadonlySet<string> = new Set<string>(TERMINAL_STATES);

/** A hyperparameter's declared domain (shared/tuning/hyperparameters.ts), as the importance route returns it. */
export interface ParamDomain {
  type: "double" | "integer" | "discrete" | "categorical";
  min?: number;
  max?: number;
  log?: boolean;
  step?: number;
  values?: (number | string)[];
}
/** GET /studies/:id/importance (shared/studies/importance.ts). */
export interface StudyImportance {
  method: string;
  minTrials: number;
  completed: number;
  importance?: { name: string; importance: number; varianceExplained: number; bins: number }[];
  note?: string;
  parameters: Record<string, ParamDomain>;
  objective: string;
  objectiveType: "minimize" | "maximize";
}
export interface OutputFile {
  path: string;
  size: number;
  updated?: string;
}
// Merged into Job above: the workload exists once the job was submitted to the cluster (its logs can be read).
export interface Job {
  workload?: { kind: string; name: string; namespace: string };
}
// Utilization, operator config and one build (dash-ops): GET /utilization, /admin/config[/history], /builds/:id.
export interface DeviceReading {
  family: string;
  pod: string;
  device: string;
  latest?: number;
  mean?: number;
  peak?: number;
  points: (number | null)[];
}
export interface JobUtilization {
  namespace: string;
  id: string;
  accelerator: string;
  kind: "gpu" | "tpu";
  pods: number;
  devices: number;
  startedAt?: string;
  lowUtilizationSince?: string;
  idleForMs?: number;
  terminatesAfter?: string;
  inScope: boolean;
  readings: DeviceReading[];
}
export interface UtilizationEvent {
  action: string;
  namespace: string;
  jobId: string;
  reason: string;
  runId: string;
  at: string;
}
export interface UtilizationView {
  at: string;
  settings: {
    monitoring: boolean;
    windowMs: number;
    sampleIntervalMs: number;
    lowUtilizationThreshold: number;
    terminateUnderutilized: boolean;
    terminateUnderutilizedAfterMs: number;
    buckets: number;
  };
  metrics: { status: "ok"; queries: number } | { status: "unavailable" | "off"; message: string };
  jobs: JobUtilization[];
  events: UtilizationEvent[];
  lastRun?: { runId: string; status: string; startedAt: string; metricsError?: string };
}
export interface OperatorConfigView {
  config: Record<string, unknown>;
  set: Record<string, unknown>;
  revision: number;
  updatedAt?: string;
  updatedBy?: string;
}
export interface OperatorConfigChange {
  revision: number;
  at: string;
  by: string;
  old: Record<string, unknown>;
  new: Record<string, unknown>;
  changed: string[];
  reason?: string;
}
export interface BuildDetail extends Build {
  attempt?: number;
  baseImage?: string;
  recipe?: string;
  digest?: string;
  message?: string;
  finishedAt?: string;
  updatedAt?: string;
  resolvedPackages?: Record<string, string>;
  events?: { at: string; state: string; reason?: string; message?: string }[];
  /** Jobs waiting for the image, when the record lists them. */
  jobs?: { namespace: string; id: string }[];
}
// Merged into Trial above (dash-curves): why it ended and what it reported (shared/store/study-store.ts TrialDoc).
export interface MetricPoint {
  step: number;
  value: number;
  at?: string;
}
export interface Trial {
  message?: string;
  finishedAt?: string;
  /** Each metric's series once finished (step = pushed step or log line). */
  series?: Record<string, MetricPoint[]>;
  /** Pushed reports by step while running ("12": {loss: 0.3}). */
  pushed?: Record<string, Record<string, number>>;
}
