/**
 * The TTL sweep over Kinetic's Jobs and JobSets, in two passes:
 *
 * 1. Due records: jobs whose `cleanupDueAt` has passed (cleanupPending ASC,
 *    cleanupDueAt ASC), so Firestore reads are O(expired), never O(history).
 *    Clearing the flag after the delete is the progress marker: a run that
 *    dies halfway leaves the rest in the query for the next run.
 * 2. Cluster objects: every Kinetic-labelled Job/JobSet still in the cluster
 *    (O(active + not yet expired)), judged against its record with the TTL
 *    that applies *now*. This catches objects whose native TTL was never set
 *    or has changed, forceCleanup jobs, objects whose record is gone, and
 *    (with includeActive) running jobs.
 *
 * Nothing without the kinetic.dev/managed-by label is ever deleted: pass 1
 * re-lists the object by label before deleting it.
 */
import { JOB_ID_LABEL } from "../cluster/labels.ts";
import type { ManagedObject, WorkloadRef } from "../cluster/types.ts";
import { isTerminal } from "../schemas/job-state.ts";
import { sanitizeLabelValue } from "../schemas/k8s-names.ts";
import { jobKey, type JobDoc, type JobKey } from "../store/job-store.ts";
import { checkpoint, errorMessage, ttlSecondsOf, type RunContext } from "./context.ts";
import { forEachLimit } from "../concurrency.ts";
import { deleteOwnClaims } from "./claims.ts";

const CONCURRENCY = 8;
const JOBSET_NAME_LABEL = "jobset.sigs.k8s.io/jobset-name";
export const WORKLOAD_KINDS = ["Job", "JobSet"];

/** Pass 1: records whose cleanup is due. */
export async function sweepDueRecords(ctx: RunContext): Promise<void> {
  const { deps, options, report } = ctx;
  let after: JobDoc | undefined;
  for (;;) {
    // Jobs with forceCleanup are due at their finish time, whatever cleanupDueAt says; pass 2 covers those still in the cluster.
    const page = await deps.store.dueForCleanup({
      now: ctx.now,
      limit: options.pageSize,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(after ? { startAfter: after } : {}),
    });
    report.cost.reads += Math.max(1, page.length);
    await forEachLimit(page, CONCURRENCY, async (job) => {
      ctx.handledJobs.add(jobKey(job));
      try {
        await settleDueRecord(ctx, job);
      } catch (err) {
        report.add({
          action: "error",
          kind: job.workload?.kind ?? "Job",
          namespace: job.namespace,
          name: job.workload?.name ?? job.id,
          jobId: job.id,
          reason: errorMessage(err),
        });
        deps.log.warn("cleanup failed for job; the next run retries", { jobId: job.id, error: err });
      }
    });
    if (page.length < options.pageSize) break;
    after = page.at(-1);
    await checkpoint(ctx);
  }
}

async function settleDueRecord(ctx: RunContext, job: JobDoc): Promise<void> {
  const { deps, options, report } = ctx;
  if (!job.workload) {
    if (!options.dryRun) await clearPending(ctx, job);
    return;
  }
  const ttl = ttlSecondsOf(job, deps.config.defaultTtlSeconds);
  const finishedAt = Date.parse(job.finishedAt ?? job.updatedAt);
  const due = new Date(finishedAt + ttl * 1000);
  const ref = job.workload;
  if (!options.ignoreTtl && due > ctx.now) {
    // The TTL grew since cleanupDueAt was computed (the operator raised the default): keep, and move the due date.
    report.add({
      action: "kept",
      ...where(ref),
      jobId: job.id,
      reason: `within its TTL (${ttl} s) until ${due.toISOString()}`,
    });
    if (!options.dryRun) {
      await deps.store.rescheduleCleanup(job, due.toISOString());
      report.cost.reads++;
      report.cost.writes++;
    }
    return;
  }
  const reason = describeExpiry(job.state, job.finishedAt, ttl, options.ignoreTtl, job.spec?.forceCleanup === true);
  // Re-list by label: the name alone might now belong to an object Kinetic did not create.
  const listed = await deps.cluster.listManaged(
    ref.namespace,
    [ref.kind],
    `${JOB_ID_LABEL}=${sanitizeLabelValue(job.id)}`,
  );
  const obj = listed.find((o) => o.name === ref.name);
  if (!obj) {
    const status = await deps.cluster.status(ref);
    if (status.phase !== "Missing") {
      report.add({
        action: "kept",
        ...where(ref),
        jobId: job.id,
        reason: "an object with this name exists but has no Kinetic labels; left alone",
      });
    } else {
      report.add({
        action: "already-gone",
        ...where(ref),
        jobId: job.id,
        reason: "already deleted (native TTL or by hand)",
      });
    }
    await deleteOwnClaims(ctx, job, reason);
    if (!options.dryRun) await clearPending(ctx, job);
    return;
  }
  await deleteWorkload(ctx, ref, job.id, reason);
  await deleteOwnClaims(ctx, job, reason);
  if (!options.dryRun) await clearPending(ctx, job);
}

/** Pass 2: every Kinetic workload still in the cluster. Returns them for the stale-resource pass. */
export async function sweepClusterWorkloads(ctx: RunContext): Promise<ManagedObject[]> {
  const { deps, options, report } = ctx;
  const all = await deps.cluster.listManaged(options.namespace ?? "", WORKLOAD_KINDS);
  // A JobSet's child Jobs go with their JobSet; never delete one on its own.
  const workloads = all.filter((o) => !(o.kind === "Job" && o.labels[JOBSET_NAME_LABEL]));
  const keys = workloads.map(labelledJob).filter((k): k is JobKey => !!k && !ctx.handledJobs.has(jobKey(k)));
  const records = await readRecords(ctx, keys);
  await forEachLimit(workloads, CONCURRENCY, async (obj) => {
    try {
      await judgeWorkload(ctx, obj, records);
    } catch (err) {
      report.add({ action: "error", ...where(obj), reason: errorMessage(err) });
      deps.log.warn("cleanup failed for workload; the next run retries", {
        workload: `${obj.kind}/${obj.namespace}/${obj.name}`,
        error: err,
      });
    }
  });
  return workloads;
}

async function judgeWorkload(ctx: RunContext, obj: ManagedObject, records: Map<string, JobDoc>): Promise<void> {
  const { deps, options, report } = ctx;
  const jobId = obj.labels[JOB_ID_LABEL];
  if (!jobId) {
    report.add({
      action: "kept",
      ...where(obj),
      reason: `no ${JOB_ID_LABEL} label: cannot tell which job it belongs to`,
    });
    return;
  }
  const owner = { namespace: obj.namespace, id: jobId };
  if (ctx.handledJobs.has(jobKey(owner))) return;
  const job = records.get(jobKey(owner));
  const ref: WorkloadRef = { kind: obj.kind as WorkloadRef["kind"], name: obj.name, namespace: obj.namespace };
  if (job && !isTerminal(job.state)) {
    if (!options.includeActive) {
      const why = obj.phase
        ? `finished in the cluster, but syncJobs has not recorded it yet (job is ${job.state})`
        : `job is ${job.state}`;
      report.add({
        action: "kept",
        ...where(obj),
        jobId,
        reason: `${why}; running and pending jobs are deleted only with force`,
      });
      return;
    }
    if (!options.dryRun) {
      // Record the cancellation first so syncJobs does not report the deleted workload as a failure.
      await deps.store.transition(job, {
        to: "CANCELLED",
        reason: "DeletedByCleanup",
        message: `deleted by forced cleanup run ${ctx.runId}`,
      });
      report.cost.reads++;
      report.cost.writes++;
    }
    await deleteWorkload(
      ctx,
      ref,
      jobId,
      `job was ${job.state}; force deletes running and pending jobs (its record becomes CANCELLED)`,
    );
    return;
  }
  if (!job && !obj.phase) {
    if (!options.includeActive) {
      report.add({
        action: "kept",
        ...where(obj),
        jobId,
        reason: "running, and no Kinetic record: deleted only with force",
      });
      return;
    }
    await deleteWorkload(ctx, ref, jobId, "running with no Kinetic record; force deletes running jobs");
    return;
  }
  if (job?.state === "CANCELLED") {
    // cancelJob deletes the workload, so one still here was created after the cancel by a delivery that died; it is
    // deleted at once, finished or not (KWOK-fast or short programs end before this sweep), not kept for the TTL.
    await deleteWorkload(ctx, ref, jobId, "its job was cancelled; nothing created after a cancel is kept");
    return;
  }
  // Finished: by the record (terminal) or, with no record, by the object's own conditions.
  const ttl = ttlSecondsOf(job, deps.config.defaultTtlSeconds);
  const finishedIso = job?.finishedAt ?? obj.finishedAt ?? obj.createdAt ?? ctx.now.toISOString();
  const due = new Date(Date.parse(finishedIso) + ttl * 1000);
  if (!options.ignoreTtl && due > ctx.now) {
    report.add({
      action: "kept",
      ...where(obj),
      jobId,
      reason: `within its TTL (${ttl} s) until ${due.toISOString()}`,
    });
    return;
  }
  const reason = job
    ? describeExpiry(job.state, finishedIso, ttl, options.ignoreTtl, job.spec?.forceCleanup === true)
    : `no Kinetic record; ${describeExpiry(obj.phase ?? "finished", finishedIso, ttl, options.ignoreTtl, false)}`;
  await deleteWorkload(ctx, ref, jobId, reason);
  if (job?.cleanupPending && !options.dryRun) await clearPending(ctx, job);
}

async function deleteWorkload(ctx: RunContext, ref: WorkloadRef, jobId: string, reason: string): Promise<void> {
  const { deps, options, report } = ctx;
  if (options.dryRun) {
    report.add({ action: "would-delete", ...where(ref), jobId, reason: `${reason} (dry run)` });
    return;
  }
  const { deleted } = await deps.cluster.delete(ref);
  ctx.deletedWorkloads.add(`${ref.namespace}/${sanitizeLabelValue(jobId)}`);
  report.add({
    action: deleted ? "deleted" : "already-gone",
    ...where(ref),
    jobId,
    reason: deleted ? `${reason}; its pods go with it` : "already deleted",
  });
}

async function clearPending(ctx: RunContext, job: JobKey): Promise<void> {
  await ctx.deps.store.clearCleanupPending(job);
  ctx.report.cost.writes++;
}

/** The job an object belongs to: its kinetic.dev/job-id label in its own namespace (jobs run where they are named). */
export function labelledJob(obj: ManagedObject): JobKey | undefined {
  const id = obj.labels[JOB_ID_LABEL];
  return id ? { namespace: obj.namespace, id } : undefined;
}

/** Reads job records by key (one billed read each); the map is keyed by jobKey(). */
export async function readRecords(ctx: RunContext, keys: JobKey[]): Promise<Map<string, JobDoc>> {
  const unique = [...new Map(keys.map((k) => [jobKey(k), k])).values()];
  const out = await ctx.deps.store.getMany(unique);
  ctx.report.cost.reads += unique.length;
  return out;
}

function describeExpiry(
  state: string,
  finishedAt: string | undefined,
  ttl: number,
  ignoreTtl: boolean,
  forceCleanup: boolean,
): string {
  const at = finishedAt ? ` at ${finishedAt}` : "";
  if (ignoreTtl) return `finished (${state}${at}); TTL ignored on request`;
  if (forceCleanup) return `finished (${state}${at}) with forceCleanup: deleted on completion`;
  return `finished (${state}${at}) more than its TTL (${ttl} s) ago`;
}

function where(o: { kind: string; namespace: string; name: string }) {
  return { kind: o.kind, namespace: o.namespace, name: o.name };
}
