/**
 * syncJobs: reconciles every active job with the cluster. It reads only
 * active jobs (O(active), never O(history)), moves each forward through the
 * state machine, enforces pending timeouts, finishes stalled submissions,
 * and publishes a job-finished event exactly when a job becomes terminal.
 */
import { isTerminal, type JobState } from "../schemas/job-state.ts";
import type { EventBus, JobFinishedEvent } from "../bus/event-bus.ts";
import type { WorkloadStatus } from "../cluster/types.ts";
import type { JobDoc } from "../store/job-store.ts";
import { workloadRef } from "../manifests/render.ts";
import { parseJobSpec, type JobSpec } from "../schemas/job-spec.ts";
import { createWorkload, type JobDeps } from "./submit.ts";

export interface SyncDeps extends JobDeps {
  bus: EventBus;
}

export interface SyncSummary {
  scanned: number;
  changed: number;
  finished: number;
  resubmitted: number;
  errors: number;
}

const CONCURRENCY = 8;
/** How long a claim to publish a finished event holds before another sync may take it over. */
const PUBLISH_CLAIM_MS = 2 * 60_000;

/** The finished event's id: the same for every publish of one job's end, so consumers can dedupe. */
export function finishedEventId(jobId: string): string {
  return `${jobId}:finished`;
}

export async function syncJobs(deps: SyncDeps, options: { pageSize?: number } = {}): Promise<SyncSummary> {
  const summary: SyncSummary = { scanned: 0, changed: 0, finished: 0, resubmitted: 0, errors: 0 };
  let last: JobDoc | undefined;
  for (;;) {
    const page = await deps.store.listActive({ limit: options.pageSize ?? 200, ...(last ? { startAfter: last } : {}) });
    if (!page.length) break;
    summary.scanned += page.length;
    await forEachLimit(page, CONCURRENCY, async (job) => {
      try {
        await syncOne(deps, job, summary);
      } catch (err) {
        summary.errors++;
        deps.log.warn("sync failed for job; next run retries", { jobId: job.id, error: err });
      }
    });
    last = page.at(-1);
    if (page.length < (options.pageSize ?? 200)) break;
  }
  deps.log.info("syncJobs finished", { ...summary });
  return summary;
}

async function syncOne(deps: SyncDeps, job: JobDoc, summary: SyncSummary): Promise<void> {
  if (isTerminal(job.state)) {
    // A create in flight when the cancel landed may have made an object after it: delete it before letting go.
    if (job.state === "CANCELLED" && !job.workload) await deleteLateWorkload(deps, job);
    // Terminal but its event was not published yet (a crash between commit and publish).
    await finish(deps, job);
    summary.finished++;
    return;
  }
  if (!job.workload) {
    const ageSeconds = (deps.clock.now().getTime() - Date.parse(job.updatedAt)) / 1000;
    if (job.state === "QUEUED" && ageSeconds >= deps.config.resubmitAfterSeconds) {
      await createWorkload(deps, job);
      summary.resubmitted++;
    }
    return;
  }
  const status = await deps.cluster.status(job.workload);
  const target = targetOf(job, status, deps);
  if (target.deleteWorkload) await deps.cluster.delete(job.workload);
  const { applied, job: next } = await deps.store.transition(job.id, target.transition);
  if (applied) summary.changed++;
  if (isTerminal(next.state)) {
    await finish(deps, next);
    summary.finished++;
  }
}

interface Target {
  transition: Parameters<JobDeps["store"]["transition"]>[1];
  deleteWorkload?: boolean;
}

function targetOf(job: JobDoc, status: WorkloadStatus, deps: SyncDeps): Target {
  const now = deps.clock.now();
  switch (status.phase) {
    case "Missing":
      return {
        transition: { to: "FAILED", reason: "WorkloadMissing", message: "the workload was deleted outside Kinetic" },
      };
    case "Succeeded":
      return {
        transition: {
          to: "SUCCEEDED",
          reason: status.reason ?? "Completed",
          ...(status.message ? { message: status.message } : {}),
          patch: times(status),
        },
      };
    case "Failed":
      return {
        transition: {
          to: "FAILED",
          reason: status.reason ?? "Failed",
          message: status.message ?? "the workload failed",
          patch: { ...times(status), ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}) },
        },
      };
    case "Running":
      return {
        transition: {
          to: "RUNNING",
          reason: "Running",
          message: podSummary(status),
          patch: { startedAt: job.startedAt ?? status.startedAt ?? now.toISOString() },
        },
      };
    case "Pending": {
      const pending = status.pending ?? { kind: "Starting" as const, reason: "Starting", message: "" };
      // The clock for a pending timeout starts when this kind of waiting started.
      const since = job.pendingKind === pending.kind && job.pendingSince ? job.pendingSince : now.toISOString();
      const waited = (now.getTime() - Date.parse(since)) / 1000;
      const limit =
        pending.kind === "Unschedulable"
          ? deps.config.unschedulableTimeoutSeconds
          : pending.kind === "Queued"
            ? deps.config.queueTimeoutSeconds
            : undefined;
      if (limit !== undefined && waited > limit) {
        return {
          deleteWorkload: true,
          transition: {
            to: "FAILED",
            reason: pending.kind === "Unschedulable" ? "UnschedulableTimeout" : "QueueTimeout",
            message: `pending (${pending.kind}) for ${Math.round(waited)} s, over the ${limit} s limit: ${pending.message}`,
          },
        };
      }
      const to: JobState = job.state === "RUNNING" ? "RUNNING" : "PENDING";
      return {
        transition: {
          to,
          reason: to === "PENDING" ? pending.reason : (job.reason ?? "Running"),
          message: to === "PENDING" ? pending.message : (job.message ?? ""),
          patch: { pendingKind: pending.kind, pendingSince: since },
        },
      };
    }
  }
}

/**
 * Publishes the finished event, then takes the job out of the active set.
 * Concurrent syncs (overlapping ticks, a retried tick) race for a claim in a
 * transaction, so one of them publishes. A publisher that dies after
 * publishing and before recording it makes the next sync publish again: the
 * event carries a deterministic `eventId` ("<jobId>:finished") for consumers
 * to drop that rare repeat, as Pub/Sub's own at-least-once delivery needs anyway.
 */
async function finish(deps: SyncDeps, job: JobDoc): Promise<void> {
  if (!job.finishedEventPublished) {
    const claimed = await deps.store.claimFinishedEvent(job.id, { now: deps.clock.now(), holdMs: PUBLISH_CLAIM_MS });
    // Another sync holds the claim (or already published): it also takes the job out of the active set.
    if (!claimed) return;
    const event: JobFinishedEvent = {
      type: "job.finished",
      eventId: finishedEventId(job.id),
      jobId: job.id,
      state: job.state,
      ...(job.reason ? { reason: job.reason } : {}),
      ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
      finishedAt: job.finishedAt ?? deps.clock.now().toISOString(),
    };
    try {
      await deps.bus.publish("jobEvents", event, { jobId: job.id, state: job.state, eventId: event.eventId });
    } catch (err) {
      // A publish that failed (rather than a process that died) frees the claim: the next run retries at once.
      await deps.store.releaseFinishedEventClaim(job.id).catch(() => undefined);
      throw err;
    }
  }
  // forceCleanup: due the moment it finishes, whatever the TTL.
  const ttl =
    job.spec?.forceCleanup === true
      ? 0
      : typeof job.spec?.ttlSecondsAfterFinished === "number"
        ? job.spec.ttlSecondsAfterFinished
        : undefined;
  const finishedAt = Date.parse(job.finishedAt ?? deps.clock.now().toISOString());
  await deps.store.patch(job.id, {
    finishedEventPublished: true,
    active: false,
    ...(job.workload
      ? {
          cleanupPending: true,
          cleanupDueAt: new Date(finishedAt + (ttl ?? deps.config.defaultTtlSeconds) * 1000).toISOString(),
        }
      : {}),
  });
}

/** Deletes the workload a cancelled job would have had (its name derives from the id); missing is fine. */
async function deleteLateWorkload(deps: SyncDeps, job: JobDoc): Promise<void> {
  if (!job.spec) return; // a tombstone: never submitted
  let parsed: JobSpec;
  try {
    parsed = parseJobSpec(job.spec);
  } catch {
    return; // stored before a schema change: its workload, if any, is left to cleanupTtl
  }
  const { deleted } = await deps.cluster.delete(workloadRef(job.id, parsed));
  if (deleted) deps.log.info("deleted a workload created after its job was cancelled", { jobId: job.id });
}

function times(status: WorkloadStatus) {
  return {
    ...(status.startedAt ? { startedAt: status.startedAt } : {}),
    ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}),
  };
}

function podSummary(status: WorkloadStatus): string {
  const p = status.pods;
  return p ? `${p.running} running, ${p.succeeded} succeeded, ${p.failed} failed, ${p.pending} pending` : "running";
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
