/**
 * syncJobs: reconciles every active job with the cluster. It reads only
 * active jobs (O(active), never O(history)), moves each forward through the
 * state machine, enforces pending timeouts, finishes stalled submissions,
 * and publishes a job-finished event exactly when a job becomes terminal.
 */
import { KineticError } from "../errors.ts";
import { isTerminal } from "../schemas/job-state.ts";
import type { EventBus, JobFinishedEvent } from "../bus/event-bus.ts";
import { workloadKey, type StatusResult } from "../cluster/types.ts";
import { jobKey, wouldChange, type JobDoc, type JobKey } from "../store/job-store.ts";
import { workloadRef } from "../manifests/render.ts";
import { parseJobSpec, type JobSpec } from "../schemas/job-spec.ts";
import { startJob, type JobDeps } from "./submit.ts";
import { syncBuildingJobs } from "../builds/wake-jobs.ts";
import { forEachLimit } from "../concurrency.ts";
import { isDisruption } from "./attempts.ts";
import { resumeAfterDisruption } from "./resume.ts";
import { targetOf, withAttempts } from "./sync-target.ts";

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

// Statuses are read in bulk first; what remains per job is a store transaction (and rarely a publish).
const CONCURRENCY = 32;
/** How long a claim to publish a finished event holds before another sync may take it over. */
const PUBLISH_CLAIM_MS = 2 * 60_000;

/** The finished event's id: the same for every publish of one job's end, so consumers can dedupe. */
export function finishedEventId(job: JobKey): string {
  return `${jobKey(job)}:finished`;
}

export async function syncJobs(deps: SyncDeps, options: { pageSize?: number } = {}): Promise<SyncSummary> {
  const summary: SyncSummary = { scanned: 0, changed: 0, finished: 0, resubmitted: 0, errors: 0 };
  // Read the whole active set first: processing moves updatedAt, which would reorder later pages under us.
  const active = await allActive(deps, options.pageSize ?? 500);
  summary.scanned = active.length;
  // One bulk read of the cluster for every active workload: API calls per run grow with pages, not jobs.
  const statuses = await readStatuses(deps, active);
  await forEachLimit(active, CONCURRENCY, async (job) => {
    try {
      await syncOne(deps, job, summary, statuses);
    } catch (err) {
      summary.errors++;
      deps.log.warn("sync failed for job; next run retries", { jobId: job.id, namespace: job.namespace, error: err });
    }
  });
  // Jobs waiting on a build: the build's end wakes them; this is the backstop (one build read per build).
  const building = await syncBuildingJobs(
    deps,
    active.filter((j) => j.state === "BUILDING"),
  );
  summary.changed += building.advanced;
  summary.errors += building.errors;
  deps.log.info("syncJobs finished", { ...summary });
  return summary;
}

async function allActive(deps: SyncDeps, pageSize: number): Promise<JobDoc[]> {
  const out: JobDoc[] = [];
  for (let last: JobDoc | undefined; ;) {
    const page = await deps.store.listActive({ limit: pageSize, ...(last ? { startAfter: last } : {}) });
    out.push(...page);
    if (page.length < pageSize) return out;
    last = page.at(-1);
  }
}

type Statuses = Map<string, StatusResult>;

async function readStatuses(deps: SyncDeps, jobs: JobDoc[]): Promise<Statuses> {
  const refs = jobs.filter((j) => !isTerminal(j.state) && j.workload).map((j) => j.workload!);
  if (!refs.length) return new Map();
  if (deps.cluster.statusMany) {
    try {
      return await deps.cluster.statusMany(refs);
    } catch (err) {
      // A forwarding client over a backend without bulk reads says so; any other failure is every job's error.
      if (!(err instanceof KineticError && err.code === "failed-precondition"))
        return new Map(refs.map((ref) => [workloadKey(ref), { error: err }]));
    }
  }
  // A backend without bulk reads: one status call per workload.
  const out: Statuses = new Map();
  await forEachLimit(refs, CONCURRENCY, async (ref) => {
    out.set(
      workloadKey(ref),
      await deps.cluster.status(ref).then(
        (status) => ({ status }),
        (error: unknown) => ({ error }),
      ),
    );
  });
  return out;
}

async function syncOne(deps: SyncDeps, job: JobDoc, summary: SyncSummary, statuses: Statuses): Promise<void> {
  if (isTerminal(job.state)) {
    // A create in flight when the cancel landed may have made an object after it: delete it before letting go.
    if (job.state === "CANCELLED" && !job.workload) await deleteLateWorkload(deps, job);
    // Terminal but its event was not published yet (a crash between commit and publish).
    await finish(deps, job);
    summary.finished++;
    return;
  }
  if (!job.workload) {
    if (job.state === "BUILDING") return; // syncBuildingJobs, below
    const ageSeconds = (deps.clock.now().getTime() - Date.parse(job.updatedAt)) / 1000;
    if (job.state === "QUEUED" && ageSeconds >= deps.config.resubmitAfterSeconds) {
      // A job with a build asks for its build again (it may wait in BUILDING); any other creates its workload.
      await startJob(deps, job);
      summary.resubmitted++;
    }
    return;
  }
  const read = statuses.get(workloadKey(job.workload)) ?? { status: await deps.cluster.status(job.workload) };
  if ("error" in read) throw read.error;
  // Pods lost to a disruption (spot reclaim, node loss): the next attempt resumes from the checkpoint dir.
  if (isDisruption(job.workload, read.status)) {
    const { job: next } = await resumeAfterDisruption(deps, job, read.status);
    summary.changed++;
    if (isTerminal(next.state)) {
      await finish(deps, next);
      summary.finished++;
    }
    return;
  }
  const target = withAttempts(
    job,
    read.status,
    targetOf(job, read.status, { config: deps.config, now: deps.clock.now() }),
    deps.clock.now(),
  );
  // Most active jobs did not change since the last run: skip the transaction (a read and a write) for those.
  if (!target.deleteWorkload && !wouldChange(job, target.transition, deps.clock.now())) return;
  if (target.deleteWorkload) await deps.cluster.delete(job.workload);
  const { applied, job: next } = await deps.store.transition(job, target.transition);
  if (applied) summary.changed++;
  if (isTerminal(next.state)) {
    await finish(deps, next);
    summary.finished++;
  }
}

/**
 * Publishes the finished event, then takes the job out of the active set.
 * Concurrent syncs (overlapping ticks, a retried tick) race for a claim in a
 * transaction, so one of them publishes. A publisher that dies after
 * publishing and before recording it makes the next sync publish again: the
 * event carries a deterministic `eventId` ("<namespace>:<jobId>:finished") for consumers
 * to drop that rare repeat, as Pub/Sub's own at-least-once delivery needs anyway.
 */
export async function finish(deps: SyncDeps, job: JobDoc): Promise<void> {
  if (!job.finishedEventPublished) {
    const claimed = await deps.store.claimFinishedEvent(job, { now: deps.clock.now(), holdMs: PUBLISH_CLAIM_MS });
    // Another sync holds the claim (or already published): it also takes the job out of the active set.
    if (!claimed) return;
    const event: JobFinishedEvent = {
      type: "job.finished",
      eventId: finishedEventId(job),
      jobId: job.id,
      namespace: job.namespace,
      state: job.state,
      ...(job.reason ? { reason: job.reason } : {}),
      ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
      finishedAt: job.finishedAt ?? deps.clock.now().toISOString(),
    };
    try {
      await deps.bus.publish("jobEvents", event, {
        jobId: job.id,
        namespace: job.namespace,
        state: job.state,
        eventId: event.eventId,
      });
    } catch (err) {
      // A publish that failed (rather than a process that died) frees the claim: the next run retries at once.
      await deps.store.releaseFinishedEventClaim(job).catch(() => undefined);
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
  await deps.store.patch(job, {
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
