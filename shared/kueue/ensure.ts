/**
 * Makes the cluster match the operator config's default queue, by server-side
 * apply (running it again with nothing changed changes nothing). A cron
 * (syncJobs or checkUtilization) calls it every run with the namespaces that
 * have jobs; so a config change is in the cluster by the next run.
 *
 * - The ClusterQueue `defaultClusterQueueName` in `defaultClusterQueueCohortName`:
 *   created with quotas from the live nodes when missing; with
 *   `dynamicallyUpdateDefaultClusterQueue` its quotas follow the nodes on every
 *   run, otherwise only its cohort is kept in step (operators own the quota).
 * - A ResourceFlavor per node pool, created when missing (an existing flavor of
 *   that name, e.g. infra's, is left as it is).
 * - Kinetic's WorkloadPriorityClasses.
 * - A LocalQueue named after the ClusterQueue in each given namespace: where jobs
 *   that name no queue are sent. One that exists pointing elsewhere is reported,
 *   not replaced (a LocalQueue's ClusterQueue cannot change).
 */
import type { OperatorConfig } from "../operator-config/schema.ts";
import type { KueueApplier } from "../cluster/kueue-apply.ts";
import { cohortOnly, defaultLocalQueue, planDefaultQueue, type KubeObject, type PoolQuota } from "./default-queue.ts";

const MANAGER = "kinetic-default-queue";
const COHORT_MANAGER = "kinetic-default-queue-cohort";

export interface EnsureReport {
  clusterQueue: {
    name: string;
    cohort: string;
    /** created / updated / unchanged by the full apply; cohort-only when the quota is the operators'. */
    action: "created" | "updated" | "unchanged" | "cohort-only" | "skipped";
    pools: PoolQuota[];
  };
  flavors: Array<{ name: string; action: "created" | "kept" }>;
  priorityClasses: string[];
  localQueues: Array<{ namespace: string; name: string; action: "applied" | "conflict" | "failed" }>;
  /** Problems that did not stop the rest (each names the object). */
  errors: string[];
}

function versionOf(obj: KubeObject | undefined): string | undefined {
  return (obj?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
}

export async function ensureDefaultQueue(
  kube: KueueApplier,
  config: OperatorConfig,
  options: { namespaces?: string[]; dryRun?: boolean } = {},
): Promise<EnsureReport> {
  const dryRun = options.dryRun ? { dryRun: true } : {};
  const plan = planDefaultQueue(config, await kube.listNodes());
  const cq = plan.clusterQueue;
  const report: EnsureReport = {
    clusterQueue: {
      name: cq.metadata.name,
      cohort: config.defaultClusterQueueCohortName,
      action: "skipped",
      pools: plan.pools,
    },
    flavors: [],
    priorityClasses: [],
    localQueues: [],
    errors: [],
  };

  for (const flavor of plan.flavors) {
    if (await kube.get({ ...flavor, name: flavor.metadata.name })) {
      report.flavors.push({ name: flavor.metadata.name, action: "kept" });
      continue;
    }
    await kube.apply(flavor, { fieldManager: MANAGER, force: false, ...dryRun });
    report.flavors.push({ name: flavor.metadata.name, action: "created" });
  }
  for (const pc of plan.priorityClasses) {
    await kube.apply(pc, { fieldManager: MANAGER, force: true, ...dryRun });
    report.priorityClasses.push(pc.metadata.name);
  }

  const existing = await kube.get({ ...cq, name: cq.metadata.name });
  if (existing && !config.dynamicallyUpdateDefaultClusterQueue) {
    await kube.apply(cohortOnly(config), { fieldManager: COHORT_MANAGER, force: true, ...dryRun });
    report.clusterQueue.action = "cohort-only";
  } else if (plan.pools.length === 0) {
    report.errors.push(`ClusterQueue ${cq.metadata.name}: no ready, schedulable nodes to size its quota from`);
  } else {
    const applied = await kube.apply(cq, { fieldManager: MANAGER, force: true, ...dryRun });
    report.clusterQueue.action = !existing
      ? "created"
      : versionOf(applied) === versionOf(existing)
        ? "unchanged"
        : "updated";
  }

  for (const namespace of [...new Set(options.namespaces ?? [])].sort()) {
    const lq = defaultLocalQueue(config, namespace);
    const found = await kube.get({ ...lq, name: lq.metadata.name, namespace });
    const target = (found?.spec as { clusterQueue?: string } | undefined)?.clusterQueue;
    if (found && target !== config.defaultClusterQueueName) {
      report.localQueues.push({ namespace, name: lq.metadata.name, action: "conflict" });
      report.errors.push(
        `LocalQueue ${namespace}/${lq.metadata.name} points at ClusterQueue ${target}, not ${config.defaultClusterQueueName}: left as it is`,
      );
      continue;
    }
    try {
      await kube.apply(lq, { fieldManager: MANAGER, force: true, ...dryRun });
      report.localQueues.push({ namespace, name: lq.metadata.name, action: "applied" });
    } catch (err) {
      // One namespace (deleted meanwhile, say) must not keep the others from their queue.
      report.localQueues.push({ namespace, name: lq.metadata.name, action: "failed" });
      report.errors.push(
        `LocalQueue ${namespace}/${lq.metadata.name}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return report;
}
