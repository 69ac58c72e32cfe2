/**
 * Stale resources: Kinetic-labelled Secrets, ConfigMaps and ServiceAccounts
 * that no live workload uses, and Pods whose workload is gone. Each one is
 * listed with the reason it is stale (or the reason it is kept); it is
 * deleted only when the run was asked to (force), never in a dry run.
 */
import { JOB_ID_LABEL } from "../cluster/labels.ts";
import type { ManagedObject } from "../cluster/types.ts";
import { isTerminal } from "../schemas/job-state.ts";
import { errorMessage, type RunContext } from "./context.ts";
import { forEachLimit } from "../concurrency.ts";
import { refKey, type References } from "./references.ts";
import { readRecords, labelledJob } from "./workloads.ts";
import { jobKey } from "../store/job-store.ts";

export const STALE_KINDS = ["Secret", "ConfigMap", "ServiceAccount", "Pod"];
/** Younger objects may belong to a submission in progress (created before its workload). */
export const STALE_GRACE_MS = 10 * 60_000;

/**
 * @param workloads Kinetic Jobs/JobSets listed by the workload pass (before its deletions).
 */
export async function sweepStaleResources(ctx: RunContext, workloads: ManagedObject[]): Promise<void> {
  const { deps, options, report } = ctx;
  const ns = options.namespace ?? "";
  const objects = await deps.cluster.listManaged(ns, STALE_KINDS);
  const key = (namespace: string, jobId: string) => `${namespace}/${jobId}`;
  const present = new Set<string>();
  const live = new Set<string>();
  for (const w of workloads) {
    const id = w.labels[JOB_ID_LABEL];
    if (!id || ctx.deletedWorkloads.has(key(w.namespace, id))) continue;
    present.add(key(w.namespace, id));
    if (!w.phase) live.add(key(w.namespace, id));
  }
  let refs: References | undefined;
  if (deps.references && objects.some((o) => o.kind !== "Pod")) refs = await deps.references.read(ns);
  const needRecords = objects
    .filter((o) => o.kind !== "Pod" && o.labels[JOB_ID_LABEL] && !live.has(key(o.namespace, o.labels[JOB_ID_LABEL]!)))
    .map((o) => labelledJob(o)!);
  const records = await readRecords(ctx, needRecords);

  await forEachLimit(objects, 8, async (obj) => {
    const jobId = obj.labels[JOB_ID_LABEL];
    const base = { kind: obj.kind, namespace: obj.namespace, name: obj.name, ...(jobId ? { jobId } : {}) };
    let staleBecause: string | undefined;
    if (obj.kind === "Pod") {
      // Pods of a present workload are its business; those of a workload deleted by this run go with it.
      if (!jobId || present.has(key(obj.namespace, jobId)) || ctx.deletedWorkloads.has(key(obj.namespace, jobId)))
        return;
      staleBecause = `orphaned pod: job ${jobId} has no Job or JobSet in the cluster`;
    } else {
      const users = refs?.get(refKey(obj.kind, obj.namespace, obj.name));
      const record = jobId ? records.get(jobKey({ namespace: obj.namespace, id: jobId })) : undefined;
      if (users?.length) {
        report.add({
          action: "kept",
          ...base,
          reason: `used by ${users.slice(0, 3).join(", ")}${users.length > 3 ? ` and ${users.length - 3} more` : ""}`,
        });
        return;
      }
      if (jobId && live.has(key(obj.namespace, jobId))) {
        report.add({ action: "kept", ...base, reason: `belongs to job ${jobId}, whose workload is still live` });
        return;
      }
      if (record && !isTerminal(record.state)) {
        report.add({ action: "kept", ...base, reason: `belongs to job ${jobId}, which is ${record.state}` });
        return;
      }
      if (jobId) {
        staleBecause = record
          ? `belongs to job ${jobId}, which is ${record.state} and has no live workload`
          : `belongs to job ${jobId}, which has no record and no live workload`;
      } else if (refs) {
        staleBecause = "not used by any live Kinetic workload";
      } else {
        report.add({
          action: "kept",
          ...base,
          reason: `no ${JOB_ID_LABEL} label, and which workloads use it cannot be read here`,
        });
        return;
      }
    }
    if (obj.createdAt && ctx.now.getTime() - Date.parse(obj.createdAt) < STALE_GRACE_MS) {
      report.add({
        action: "kept",
        ...base,
        reason: `created less than ${STALE_GRACE_MS / 60_000} min ago; may belong to a submission in progress`,
      });
      return;
    }
    if (options.dryRun || !options.deleteStale) {
      report.add({
        action: "would-delete",
        ...base,
        reason: `${staleBecause} (dry run${options.dryRun ? "" : "; use force to delete"})`,
      });
      return;
    }
    try {
      const { deleted } = await deps.cluster.deleteObject(obj);
      report.add({
        action: deleted ? "deleted" : "already-gone",
        ...base,
        reason: deleted ? staleBecause : "already deleted",
      });
    } catch (err) {
      report.add({ action: "error", ...base, reason: errorMessage(err) });
    }
  });
}
