/**
 * Kaptain's utilities over Kinetic's own objects: diagnose a namespace
 * (every Kinetic resource, its job's state, and what a cleanup would do with
 * it, and why), list workloads, and delete one job's workload. The bulk
 * utilities (clean, clean-all, delete-completed) are cleanup runs with
 * different options: see `ADMIN_RUNS`.
 */
import { JOB_ID_LABEL } from "../cluster/labels.ts";
import type { ManagedObject, WorkloadRef } from "../cluster/types.ts";
import { KineticError } from "../errors.ts";
import { isTerminal, type JobState } from "../schemas/job-state.ts";
import { sanitizeLabelValue } from "../schemas/k8s-names.ts";
import { resolveOptions, type RunContext } from "./context.ts";
import { sweepStaleResources } from "./stale-resources.ts";
import { RunReport, type CleanupCounts, type CleanupDeps, type CleanupItem, type CleanupOptions } from "./types.ts";
import { WORKLOAD_KINDS, labelledJob, readRecords, sweepClusterWorkloads, sweepDueRecords } from "./workloads.ts";
import { jobKey, type JobKey } from "../store/job-store.ts";
import { findVisibleJob } from "../jobs/find.ts";

export const DIAGNOSE_KINDS = ["JobSet", "Job", "Pod", "Service", "Secret", "ConfigMap", "ServiceAccount"];

/** The bulk utilities as cleanup-run options; `force` turns the dry run into the real thing. */
export const ADMIN_RUNS = {
  /** Expired workloads and stale resources; dry run unless force. Never touches running jobs. */
  clean: (namespace: string, force: boolean): CleanupOptions => ({ namespace, dryRun: !force, deleteStale: true }),
  /** Everything Kinetic has in the namespace, running jobs included; dry run unless force. */
  cleanAll: (namespace: string, force: boolean): CleanupOptions => ({
    namespace,
    dryRun: !force,
    deleteStale: true,
    includeActive: true,
    ignoreTtl: true,
  }),
  /** Finished jobs' workloads now, whatever their TTL; with force, running and pending ones too. */
  deleteCompleted: (namespace: string, force: boolean): CleanupOptions => ({
    namespace,
    ignoreTtl: true,
    includeActive: force,
  }),
};

export interface DiagnosedResource {
  kind: string;
  namespace: string;
  name: string;
  jobId?: string;
  /** Workload phase from the cluster (Succeeded/Failed), "Active" while unfinished; absent for other kinds. */
  phase?: string;
  /** The job's state in Firestore, or "NO_RECORD". */
  jobState?: JobState | "NO_RECORD";
  createdAt?: string;
  finishedAt?: string;
  /** What a cleanup run would do with it now, and why. */
  cleanup?: { action: CleanupItem["action"]; reason: string };
}

export interface DiagnoseResult {
  namespace: string;
  resources: DiagnosedResource[];
  byKind: Record<string, number>;
  /** What `clean --force` would do (stale resources deleted, running jobs kept). */
  plan: { counts: CleanupCounts; items: CleanupItem[] };
}

export async function diagnose(deps: CleanupDeps, namespace: string): Promise<DiagnoseResult> {
  const objects = await deps.cluster.listManaged(namespace, DIAGNOSE_KINDS);
  const report = new RunReport();
  const ctx: RunContext = {
    deps,
    options: { ...resolveOptions({ namespace, dryRun: true, deleteStale: true }), purgeRecords: false },
    report,
    runId: "diagnose",
    now: deps.clock.now(),
    handledJobs: new Set(),
    deletedWorkloads: new Set(),
  };
  // The same passes a real run makes, in dry-run mode: no lease, no writes, no run record.
  await sweepDueRecords(ctx);
  const workloads = await sweepClusterWorkloads(ctx);
  await sweepStaleResources(ctx, workloads);
  const records = await readRecords(
    ctx,
    objects.map(labelledJob).filter((k): k is JobKey => !!k),
  );
  const planFor = new Map(report.items.map((i) => [`${i.kind}/${i.namespace}/${i.name}`, i]));
  const resources = objects.map((o): DiagnosedResource => {
    const jobId = o.labels[JOB_ID_LABEL];
    const plan = planFor.get(`${o.kind}/${o.namespace}/${o.name}`);
    return {
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      ...(jobId
        ? { jobId, jobState: records.get(jobKey({ namespace: o.namespace, id: jobId }))?.state ?? "NO_RECORD" }
        : {}),
      ...(WORKLOAD_KINDS.includes(o.kind) ? { phase: o.phase ?? "Active" } : {}),
      ...(o.createdAt ? { createdAt: o.createdAt } : {}),
      ...(o.finishedAt ? { finishedAt: o.finishedAt } : {}),
      ...(plan ? { cleanup: { action: plan.action, reason: plan.reason } } : {}),
    };
  });
  const byKind: Record<string, number> = {};
  for (const r of resources) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  return { namespace, resources, byKind, plan: { counts: report.counts, items: report.items } };
}

export interface WorkloadRow {
  kind: string;
  namespace: string;
  name: string;
  jobId?: string;
  phase: string;
  jobState?: JobState | "NO_RECORD";
  createdAt?: string;
  finishedAt?: string;
}

/** Kinetic's Jobs and JobSets in the cluster ("" = all namespaces), with their jobs' recorded state. */
export async function listWorkloads(deps: CleanupDeps, namespace: string): Promise<WorkloadRow[]> {
  const objects = topLevel(await deps.cluster.listManaged(namespace, WORKLOAD_KINDS));
  const ctx = { deps, report: new RunReport() } as RunContext;
  const records = await readRecords(
    ctx,
    objects.map(labelledJob).filter((k): k is JobKey => !!k),
  );
  return objects.map((o) => {
    const jobId = o.labels[JOB_ID_LABEL];
    return {
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      phase: o.phase ?? "Active",
      ...(jobId
        ? { jobId, jobState: records.get(jobKey({ namespace: o.namespace, id: jobId }))?.state ?? "NO_RECORD" }
        : {}),
      ...(o.createdAt ? { createdAt: o.createdAt } : {}),
      ...(o.finishedAt ? { finishedAt: o.finishedAt } : {}),
    };
  });
}

export interface DeleteJobResult {
  jobId: string;
  /** The job's state after the delete (CANCELLED when it was still running), or NO_RECORD. */
  state: JobState | "NO_RECORD";
  items: CleanupItem[];
}

/**
 * Deletes one job's workload (optionally only of one kind) with its pods.
 * A job that is still running or pending is recorded as CANCELLED first.
 * The job is (namespace, id); without `namespace` the id must be unique
 * across namespaces. Without a record, `namespace` says where to look for
 * its labelled objects.
 */
export async function deleteJob(
  deps: CleanupDeps,
  id: string,
  opts: { kind?: WorkloadRef["kind"]; namespace?: string; principal: string },
): Promise<DeleteJobResult> {
  // Operators only (the route checks): every namespace is theirs to search.
  let job = await findVisibleJob(deps.store, id, {
    allowed: ["*"],
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  });
  const namespace = job?.namespace ?? opts.namespace;
  if (!namespace) {
    throw new KineticError(
      "not-found",
      `job ${id} not found; to delete a workload with no Kinetic record, give its namespace`,
      {
        issues: [{ field: "namespace", message: "required when the job has no record" }],
      },
    );
  }
  const kinds = opts.kind ? [opts.kind] : WORKLOAD_KINDS;
  const objects = topLevel(
    await deps.cluster.listManaged(namespace, kinds, `${JOB_ID_LABEL}=${sanitizeLabelValue(id)}`),
  );
  if (!job && objects.length === 0) {
    throw new KineticError(
      "not-found",
      `job ${id} not found: no record and no Kinetic ${kinds.join("/")} labelled with it in ${namespace}`,
    );
  }
  if (job && !isTerminal(job.state) && objects.length > 0) {
    job = (
      await deps.store.transition(job, {
        to: "CANCELLED",
        reason: "DeletedByUser",
        message: `workload deleted by ${opts.principal}`,
      })
    ).job;
  }
  const items: CleanupItem[] = [];
  for (const o of objects) {
    const { deleted } = await deps.cluster.delete({
      kind: o.kind as WorkloadRef["kind"],
      name: o.name,
      namespace: o.namespace,
    });
    items.push({
      action: deleted ? "deleted" : "already-gone",
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      jobId: id,
      reason: deleted ? `deleted by ${opts.principal}; its pods go with it` : "already deleted",
    });
  }
  if (objects.length === 0 && job?.workload && (!opts.kind || job.workload.kind === opts.kind)) {
    items.push({ action: "already-gone", ...job.workload, jobId: id, reason: "no such object in the cluster" });
  }
  if (job?.cleanupPending && (!opts.kind || job.workload?.kind === opts.kind)) {
    await deps.store.clearCleanupPending(job);
  }
  deps.log.info("job workload deleted on request", { jobId: id, namespace, principal: opts.principal, items });
  return { jobId: id, state: job?.state ?? "NO_RECORD", items };
}

function topLevel(objects: ManagedObject[]): ManagedObject[] {
  return objects.filter((o) => !(o.kind === "Job" && o.labels["jobset.sigs.k8s.io/jobset-name"]));
}
