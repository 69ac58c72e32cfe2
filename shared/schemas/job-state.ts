/**
 * The job state machine. States only move forward in rank; terminal states
 * absorb. The store enforces this inside Firestore transactions, so a late or
 * reordered message can never move a job backwards. A job that names a
 * build waits in BUILDING (between QUEUED and SUBMITTED) until the build ends.
 */

export const JOB_STATES = [
  "QUEUED",
  "BUILDING",
  "SUBMITTED",
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "REJECTED",
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES = ["SUCCEEDED", "FAILED", "CANCELLED", "REJECTED"] as const satisfies readonly JobState[];
export const ACTIVE_STATES = [
  "QUEUED",
  "BUILDING",
  "SUBMITTED",
  "PENDING",
  "RUNNING",
] as const satisfies readonly JobState[];

const RANK: Record<JobState, number> = {
  QUEUED: 0,
  BUILDING: 0.5,
  SUBMITTED: 1,
  PENDING: 2,
  RUNNING: 3,
  SUCCEEDED: 4,
  FAILED: 4,
  CANCELLED: 4,
  REJECTED: 4,
};

export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && (JOB_STATES as readonly string[]).includes(value);
}

export function isTerminal(state: JobState): boolean {
  return RANK[state] === 4;
}

/**
 * Whether `from → to` is a legal move. Same-state moves are allowed (they
 * refresh details such as a pending reason) except between terminal states.
 */
export function canTransition(from: JobState, to: JobState): boolean {
  if (isTerminal(from)) return false;
  return RANK[to] >= RANK[from];
}
