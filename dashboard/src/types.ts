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
