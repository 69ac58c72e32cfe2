/**
 * Statuses of many workloads with a few list calls per namespace instead of
 * two or three calls per workload (GET the Job, LIST its pods, maybe its
 * Kueue Workload). syncJobs asks for every active job at once, so its API
 * calls grow with pages of objects, not with jobs. Namespaces with only a
 * few active workloads are still read one by one: listing a namespace costs
 * as much as all the Kinetic objects in it, finished ones included.
 */
import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import { derivePhase, type ObservedWorkload, type WorkloadCondition } from "./status.ts";
import { workloadKey, type StatusResult, type WorkloadRef } from "./types.ts";
import { forEachLimit } from "../concurrency.ts";

/** From this many workloads in a namespace on, listing it beats reading each. */
export const BULK_MIN = 5;
const PER_WORKLOAD_CONCURRENCY = 8;

type ListedWorkload = KubernetesObject & {
  spec?: { suspend?: boolean };
  status?: { conditions?: WorkloadCondition[]; startTime?: string; completionTime?: string };
};
type ListedQueueWorkload = KubernetesObject & { status?: { conditions?: WorkloadCondition[] } };

export interface ListingApi {
  /** Every object of a kind in a namespace matching the selector, all pages; a kind the cluster lacks is []. */
  listAll(
    kind: "Job" | "JobSet" | "Pod" | "Workload",
    namespace: string,
    selector?: string,
  ): Promise<KubernetesObject[]>;
  /** One workload the usual way (GET plus LIST of its pods). */
  observeOne(ref: WorkloadRef): Promise<ObservedWorkload>;
}

export async function statusMany(api: ListingApi, refs: WorkloadRef[]): Promise<Map<string, StatusResult>> {
  const out = new Map<string, StatusResult>();
  const byNamespace = new Map<string, WorkloadRef[]>();
  for (const ref of refs) byNamespace.set(ref.namespace, [...(byNamespace.get(ref.namespace) ?? []), ref]);
  const single: WorkloadRef[] = [];
  for (const [namespace, group] of byNamespace) {
    if (group.length < BULK_MIN) {
      single.push(...group);
      continue;
    }
    try {
      const index = await indexNamespace(api, namespace, group);
      for (const ref of group) out.set(workloadKey(ref), { status: derivePhase(observedFrom(ref, index)) });
    } catch (error) {
      for (const ref of group) out.set(workloadKey(ref), { error });
    }
  }
  await forEachLimit(single, PER_WORKLOAD_CONCURRENCY, async (ref) => {
    try {
      out.set(workloadKey(ref), { status: derivePhase(await api.observeOne(ref)) });
    } catch (error) {
      out.set(workloadKey(ref), { error });
    }
  });
  return out;
}

/** What one namespace's lists say, indexed for the join. */
export interface NamespaceIndex {
  workloads: Map<string, ListedWorkload>;
  /** Pods by the workload that owns them: "Job/<job-name>" or "JobSet/<jobset-name>". */
  pods: Map<string, V1Pod[]>;
  /** Kueue Workload conditions by the owning job's uid. */
  queues: Map<string, WorkloadCondition[]>;
}

async function indexNamespace(api: ListingApi, namespace: string, refs: WorkloadRef[]): Promise<NamespaceIndex> {
  const kinds = [...new Set(refs.map((r) => r.kind))];
  const [workloadLists, pods] = await Promise.all([
    Promise.all(kinds.map((kind) => api.listAll(kind, namespace, MANAGED))),
    api.listAll("Pod", namespace, MANAGED),
  ]);
  const workloads = new Map<string, ListedWorkload>();
  kinds.forEach((kind, i) => {
    for (const w of workloadLists[i]!) workloads.set(`${kind}/${w.metadata?.name}`, w as ListedWorkload);
  });
  // Kueue's Workloads are read only when a workload waits suspended (queued); most runs never list them.
  const suspended = [...workloads.values()].some((w) => w.spec?.suspend === true);
  const queueList = suspended ? ((await api.listAll("Workload", namespace)) as ListedQueueWorkload[]) : [];
  return indexLists([...workloads.entries()], pods as V1Pod[], queueList);
}

const MANAGED = "kinetic.dev/managed-by=kinetic";

/** Builds the join index from listed objects. Pure. */
export function indexLists(
  workloads: Array<[string, ListedWorkload]>,
  pods: V1Pod[],
  queueWorkloads: ListedQueueWorkload[],
): NamespaceIndex {
  const byOwner = new Map<string, V1Pod[]>();
  const own = (key: string, pod: V1Pod) => byOwner.set(key, [...(byOwner.get(key) ?? []), pod]);
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    // A JobSet's pods also name their child Job; they belong to the JobSet.
    if (labels["jobset.sigs.k8s.io/jobset-name"]) own(`JobSet/${labels["jobset.sigs.k8s.io/jobset-name"]}`, pod);
    else if (labels["batch.kubernetes.io/job-name"]) own(`Job/${labels["batch.kubernetes.io/job-name"]}`, pod);
  }
  const queues = new Map<string, WorkloadCondition[]>();
  for (const q of queueWorkloads) {
    const uid = q.metadata?.labels?.["kueue.x-k8s.io/job-uid"];
    if (uid) queues.set(uid, q.status?.conditions ?? []);
  }
  return { workloads: new Map(workloads), pods: byOwner, queues };
}

/** The same observation KubeCluster.status makes for one workload, from the lists. Pure. */
export function observedFrom(ref: WorkloadRef, index: NamespaceIndex): ObservedWorkload {
  const key = `${ref.kind}/${ref.name}`;
  const obj = index.workloads.get(key);
  if (!obj) return { exists: false, pods: [] };
  const suspended = obj.spec?.suspend === true;
  const uid = obj.metadata?.uid;
  const queue = suspended && uid && index.queues.has(uid) ? { conditions: index.queues.get(uid)! } : undefined;
  return {
    exists: true,
    kind: ref.kind,
    suspended,
    conditions: obj.status?.conditions ?? [],
    startTime: obj.status?.startTime,
    completionTime: obj.status?.completionTime,
    pods: index.pods.get(key) ?? [],
    ...(queue ? { queue } : {}),
  };
}
