/**
 * The Kueue objects behind the operator config's default queue, as pure data:
 * the ClusterQueue `defaultClusterQueueName` in cohort
 * `defaultClusterQueueCohortName`, one ResourceFlavor per node pool, a
 * LocalQueue of the same name per namespace (Kaiwo's convention: a job that
 * names no queue is labelled with it), and Kinetic's WorkloadPriorityClasses.
 *
 * Quotas come from the live nodes' allocatable resources, summed per pool
 * (ready, schedulable nodes only). A flavor carries the labels that tell its
 * pool's accelerator apart (GKE's accelerator / TPU topology / spot labels;
 * the pool name for CPU pools), never just the pool name: Kueue only compares
 * the label keys a flavor has, so a flavor of pool names alone would admit an
 * L4 pod against H100 quota.
 */
import type { OperatorConfig } from "../operator-config/schema.ts";
import { parseQuantity } from "../schemas/quantities.ts";

export const KUEUE_API = "kueue.x-k8s.io/v1beta2";
export const LABEL_NODEPOOL = "cloud.google.com/gke-nodepool";
const LABEL_GKE_ACCELERATOR = "cloud.google.com/gke-accelerator";
const LABEL_TPU_ACCELERATOR = "cloud.google.com/gke-tpu-accelerator";
const LABEL_TPU_TOPOLOGY = "cloud.google.com/gke-tpu-topology";
const LABEL_SPOT = "cloud.google.com/gke-spot";
const CONTROL_PLANE_LABELS = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];
export const TPU_RESOURCE = "google.com/tpu";

/** Kinetic's WorkloadPriorityClasses; a job's `priority` names one (with a queue). */
export const WORKLOAD_PRIORITY_CLASSES = [
  { name: "kinetic-low", value: 100, description: "Batch work that may wait and be preempted first" },
  { name: "kinetic-normal", value: 1000, description: "The default for interactive training" },
  { name: "kinetic-high", value: 10000, description: "Deadlines: admitted first, preempts lower priorities" },
] as const;

/** What the planner needs of a Node. */
export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  allocatable: Record<string, string>;
  unschedulable: boolean;
  ready: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PoolQuota {
  flavor: string;
  nodeLabels: Record<string, string>;
  nodes: number;
  /** resource → quantity, canonical strings (stable, so re-applying is a no-op). */
  quotas: Record<string, string>;
}

export interface DefaultQueuePlan {
  clusterQueue: KubeObject;
  flavors: KubeObject[];
  priorityClasses: KubeObject[];
  pools: PoolQuota[];
  coveredResources: string[];
}

const MANAGED = { "app.kubernetes.io/managed-by": "kinetic" };

/** The labels that select a node's pool for Kueue (see the module comment). */
export function flavorLabels(node: Pick<NodeInfo, "labels">): Record<string, string> {
  const l = node.labels;
  const out: Record<string, string> = {};
  if (l[LABEL_GKE_ACCELERATOR]) out[LABEL_GKE_ACCELERATOR] = l[LABEL_GKE_ACCELERATOR];
  else if (l[LABEL_TPU_ACCELERATOR]) {
    out[LABEL_TPU_ACCELERATOR] = l[LABEL_TPU_ACCELERATOR];
    if (l[LABEL_TPU_TOPOLOGY]) out[LABEL_TPU_TOPOLOGY] = l[LABEL_TPU_TOPOLOGY];
  } else out[LABEL_NODEPOOL] = l[LABEL_NODEPOOL] ?? "default-pool";
  if (l[LABEL_SPOT] === "true") out[LABEL_SPOT] = "true";
  return out;
}

/**
 * Quotas in the API server's canonical form (what resource.Quantity prints), or it rewrites them ("65536Mi" is
 * stored as "64Gi") and every apply would look like a change: decimal counts with the largest exact k/M/G/…
 * suffix, cpu in millicores when fractional, memory in the largest exact binary unit (floored to MiB).
 */
export function formatQuota(resource: string, value: number): string {
  if (resource === "memory") {
    let n = Math.floor(value / 2 ** 20);
    const units = ["Mi", "Gi", "Ti", "Pi", "Ei"];
    let u = 0;
    while (n > 0 && n % 1024 === 0 && u < units.length - 1) {
      n /= 1024;
      u++;
    }
    return n === 0 ? "0" : `${n}${units[u]}`;
  }
  const milli = Math.floor(value * 1000 + 1e-6);
  if (resource === "cpu" && milli % 1000 !== 0) return `${milli}m`;
  let n = Math.floor(milli / 1000);
  const units = ["", "k", "M", "G", "T", "P", "E"];
  let u = 0;
  while (n > 0 && n % 1000 === 0 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${n}${units[u]}`;
}

/** Nodes that count toward quota: ready, schedulable, and (when configured) not control-plane nodes. */
export function countedNodes(nodes: NodeInfo[], config: OperatorConfig): NodeInfo[] {
  return nodes.filter(
    (n) =>
      n.ready &&
      !n.unschedulable &&
      !(config.nodes.excludeMasterNodesFromNodePools && CONTROL_PLANE_LABELS.some((k) => k in n.labels)),
  );
}

/** Allocatable cpu, memory and accelerators, summed per pool; pools sorted CPU first, then by name. */
export function poolQuotas(nodes: NodeInfo[], config: OperatorConfig): { pools: PoolQuota[]; covered: string[] } {
  const accelerators = [config.nodes.defaultGpuResourceKey, TPU_RESOURCE];
  const byPool = new Map<string, { nodeLabels: Record<string, string>; nodes: number; sums: Map<string, number> }>();
  for (const n of countedNodes(nodes, config)) {
    const flavor = n.labels[LABEL_NODEPOOL] ?? "default-pool";
    let pool = byPool.get(flavor);
    if (!pool) byPool.set(flavor, (pool = { nodeLabels: flavorLabels(n), nodes: 0, sums: new Map() }));
    pool.nodes++;
    for (const [resource, qty] of Object.entries(n.allocatable)) {
      if (resource !== "cpu" && resource !== "memory" && !accelerators.includes(resource)) continue;
      const v = parseQuantity(qty)?.value ?? 0;
      pool.sums.set(resource, (pool.sums.get(resource) ?? 0) + v);
    }
  }
  const present = new Set([...byPool.values()].flatMap((p) => [...p.sums.keys()]));
  const covered = ["cpu", "memory", ...accelerators.filter((r) => present.has(r)).sort()];
  const isCpuPool = (p: { sums: Map<string, number> }) => !accelerators.some((r) => (p.sums.get(r) ?? 0) > 0);
  const pools = [...byPool.entries()]
    .sort(([a, pa], [b, pb]) => Number(isCpuPool(pb)) - Number(isCpuPool(pa)) || a.localeCompare(b))
    .map(([flavor, p]) => ({
      flavor,
      nodeLabels: p.nodeLabels,
      nodes: p.nodes,
      quotas: Object.fromEntries(covered.map((r) => [r, formatQuota(r, p.sums.get(r) ?? 0)])),
    }));
  return { pools, covered };
}

/** Everything the default queue needs, from the config and the live nodes. */
export function planDefaultQueue(config: OperatorConfig, nodes: NodeInfo[]): DefaultQueuePlan {
  const { pools, covered } = poolQuotas(nodes, config);
  const flavors: KubeObject[] = pools.map((p) => ({
    apiVersion: KUEUE_API,
    kind: "ResourceFlavor",
    metadata: { name: p.flavor, labels: MANAGED },
    spec: { nodeLabels: p.nodeLabels },
  }));
  const clusterQueue: KubeObject = {
    apiVersion: KUEUE_API,
    kind: "ClusterQueue",
    metadata: { name: config.defaultClusterQueueName, labels: MANAGED },
    spec: {
      cohortName: config.defaultClusterQueueCohortName,
      namespaceSelector: {},
      queueingStrategy: "BestEffortFIFO",
      preemption: { withinClusterQueue: "LowerPriority", reclaimWithinCohort: "Any" },
      resourceGroups: [
        {
          coveredResources: covered,
          flavors: pools.map((p) => ({
            name: p.flavor,
            resources: covered.map((r) => ({ name: r, nominalQuota: p.quotas[r] })),
          })),
        },
      ],
    },
  };
  const priorityClasses: KubeObject[] = WORKLOAD_PRIORITY_CLASSES.map((c) => ({
    apiVersion: KUEUE_API,
    kind: "WorkloadPriorityClass",
    metadata: { name: c.name, labels: MANAGED },
    value: c.value,
    description: c.description,
  }));
  return { clusterQueue, flavors, priorityClasses, pools, coveredResources: covered };
}

/** The LocalQueue a namespace's queue-less jobs are labelled with: named after the default ClusterQueue. */
export function defaultLocalQueue(config: OperatorConfig, namespace: string): KubeObject {
  return {
    apiVersion: KUEUE_API,
    kind: "LocalQueue",
    metadata: { name: config.defaultClusterQueueName, namespace, labels: MANAGED },
    spec: { clusterQueue: config.defaultClusterQueueName },
  };
}

/** Only the cohort: what is applied when the quota is not kept in step with the nodes. */
export function cohortOnly(config: OperatorConfig): KubeObject {
  return {
    apiVersion: KUEUE_API,
    kind: "ClusterQueue",
    metadata: { name: config.defaultClusterQueueName },
    spec: { cohortName: config.defaultClusterQueueCohortName },
  };
}
