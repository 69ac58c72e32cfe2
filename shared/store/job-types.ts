/**
 * The job store's port and vocabulary: what names a job, the stored document,
 * the inputs of its writes and the `JobStore` interface the domain uses
 * (implemented by job-store.ts's DocJobStore).
 */
import type { JobState } from "../schemas/job-state.ts";
import type { JobEvent, JobRecord } from "../schemas/job-record.ts";
import type { StoreStats } from "./docs.ts";
import type { ExpiringRecords } from "./expiring.ts";
import type { Transition } from "./state-record.ts";

/** What names a job: its namespace and its id. A JobDoc or a JobRecord is one. */
export interface JobKey {
  namespace: string;
  id: string;
}

/**
 * The document id (and map key) of a job. Namespaces are DNS labels and ids
 * label values, so neither holds ':' and the pair reads back unambiguously.
 * A rejection recorded without a namespace has the empty one (operators only).
 */
export function jobKey(key: JobKey): string {
  return `${key.namespace}:${key.id}`;
}

/** The stored document: the public record plus bookkeeping fields. */
export interface JobDoc extends JobRecord {
  events: JobEvent[];
  /** True until the job is terminal and its finished event was published. */
  active: boolean;
  /** Where the submission came from: "pubsub:<messageId>" or "http:<principal>". */
  source?: string;
  /** When the job entered its current pending kind (Unschedulable/Queued), for pending timeouts. */
  pendingSince?: string;
  pendingKind?: string;
  /** When the job first waited for capacity (Unschedulable or Queued); never reset: demand-aware preemption's clock. */
  demandSince?: string;
  /** When this pending job last had running jobs preempted for it (it waits for them before asking again). */
  preemptionRequestedAt?: string;
  /** Start of the current low-utilization streak (checkUtilization); absent when not low or unknown. */
  lowUtilizationSince?: string;
  /** checkUtilization stopped the job (Underutilized/Preempted) and its workload delete is still owed. */
  stopPending?: boolean;
  /** Set once the job-finished event has been published. */
  finishedEventPublished?: boolean;
  /** Until when one publisher holds the right to publish the finished event (see claimFinishedEvent). */
  finishedEventClaimUntil?: string;
  /** cleanupTtl bookkeeping: cluster objects still to delete, and when. */
  cleanupPending?: boolean;
  cleanupDueAt?: string;
  /** Retention: the record itself is deleted after this (Firestore TTL policy and the cleanup purge). */
  expireAt?: Date;
}

export interface NewJob {
  id: string;
  namespace: string;
  accelerator: string;
  image?: string;
  spec?: Record<string, unknown>;
  source?: string;
  /** QUEUED normally; REJECTED for bad input; CANCELLED for a tombstone (a cancel that overtook its submission). */
  state?: "QUEUED" | "REJECTED" | "CANCELLED";
  reason?: string;
  message?: string;
}

export type TransitionInput = Transition<JobState, JobDoc>;

export interface TransitionResult {
  applied: boolean;
  job: JobDoc;
}

export interface ListFilter {
  state?: JobState;
  namespace?: string;
  /** The canonical accelerator name as stored ("nvidia-l4", "tpu-v6e-8", "cpu"). */
  accelerator?: string;
  limit?: number;
  cursor?: string;
}

export type JobPatch = Partial<Omit<JobDoc, "id" | "state" | "events">>;

/** The job store port. */
export interface JobStore extends ExpiringRecords<JobDoc> {
  readonly stats: StoreStats;
  /** Creates the job unless one with this id exists; returns the stored job and whether this call created it. */
  create(input: NewJob): Promise<{ created: boolean; job: JobDoc }>;
  get(key: JobKey): Promise<JobDoc | undefined>;
  /** The existing jobs among `keys`, by jobKey() (one billed read per key). */
  getMany(keys: JobKey[]): Promise<Map<string, JobDoc>>;
  /** Jobs with this id in any namespace (at most `limit`): for callers that name no namespace; filter by policy. */
  findById(id: string, limit?: number): Promise<JobDoc[]>;
  /**
   * Moves a job to `to` inside a transaction. A move that would go backwards,
   * or leave a terminal state, is not applied (applied: false) and is not an
   * error: it is what a late or duplicate message looks like.
   */
  transition(key: JobKey, input: TransitionInput): Promise<TransitionResult>;
  /** Updates bookkeeping fields that carry no state meaning (no event, no state check). */
  patch(key: JobKey, fields: JobPatch): Promise<void>;
  /** Active jobs, least recently updated first: costs O(active), never O(history). */
  listActive(options?: { limit?: number; startAfter?: JobDoc }): Promise<JobDoc[]>;
  /** Jobs in BUILDING waiting on build `buildId`, by document id: O(waiting jobs). */
  waitingOnBuild(buildId: string, options?: { limit?: number; startAfter?: JobKey }): Promise<JobDoc[]>;
  /** Newest first, filtered by any of state, namespace and accelerator, with an opaque cursor. */
  list(filter?: ListFilter): Promise<{ jobs: JobDoc[]; nextCursor?: string }>;
  /** Finished jobs whose cluster objects are due for deletion at `now`: O(due), never O(history). */
  dueForCleanup(options: { now: Date; namespace?: string; limit: number; startAfter?: JobDoc }): Promise<JobDoc[]>;
  /** Moves a pending cleanup's due time (the TTL grew); false when the cleanup is no longer pending. */
  rescheduleCleanup(key: JobKey, dueAt: string): Promise<boolean>;
  /** Marks the job's cluster objects as cleaned up; a record purged meanwhile is not an error. */
  clearCleanupPending(key: JobKey): Promise<void>;
  /**
   * Claims the right to publish the job's finished event: true for exactly one
   * caller among concurrent ones; false once it was published or while another
   * caller's claim holds. A claim whose holder died lapses after `holdMs`.
   */
  claimFinishedEvent(key: JobKey, options: { now: Date; holdMs: number }): Promise<boolean>;
  /** Gives a claim back after a publish that failed, so the next sync retries at once. */
  releaseFinishedEventClaim(key: JobKey): Promise<void>;
}
