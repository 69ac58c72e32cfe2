/** Pure helpers of KubeCluster: object references, pod order and selectors, listed objects. */
import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import type { WorkloadCondition } from "./status.ts";
import type { ManagedObject, Workload, WorkloadRef } from "./types.ts";

export function refOf(w: Workload): WorkloadRef {
  return { kind: w.kind, name: w.metadata.name, namespace: w.metadata.namespace };
}

export function podSelector(ref: WorkloadRef): string {
  return ref.kind === "JobSet"
    ? `jobset.sigs.k8s.io/jobset-name=${ref.name}`
    : `batch.kubernetes.io/job-name=${ref.name}`;
}

/** Pods in worker order: JobSet job index, then completion index, then name. */
export function sortPods(pods: V1Pod[]): V1Pod[] {
  const key = (p: V1Pod) => {
    const a = p.metadata?.annotations ?? {};
    return [Number(a["jobset.sigs.k8s.io/job-index"] ?? 0), Number(a["batch.kubernetes.io/job-completion-index"] ?? 0)];
  };
  return [...pods].sort((x, y) => {
    const [a1, a2] = key(x);
    const [b1, b2] = key(y);
    return a1! - b1! || a2! - b2! || (x.metadata?.name ?? "").localeCompare(y.metadata?.name ?? "");
  });
}

export function prefixLines(text: string, prefix: string): string {
  return text
    .split(/(?<=\n)/)
    .map((l) => (l.length ? prefix + l : l))
    .join("");
}

export function managedObject(kind: string, apiVersion: string, item: KubernetesObject): ManagedObject {
  const status = (item as { status?: { conditions?: WorkloadCondition[] } }).status;
  const finished = status?.conditions?.find(
    (c) => (c.type === "Complete" || c.type === "Completed" || c.type === "Failed") && c.status === "True",
  );
  return {
    kind,
    apiVersion,
    name: item.metadata!.name!,
    namespace: item.metadata!.namespace!,
    labels: item.metadata?.labels ?? {},
    ...(item.metadata?.creationTimestamp ? { createdAt: new Date(item.metadata.creationTimestamp).toISOString() } : {}),
    ...(finished?.lastTransitionTime ? { finishedAt: new Date(finished.lastTransitionTime).toISOString() } : {}),
    ...(finished ? { phase: finished.type === "Failed" ? "Failed" : "Succeeded" } : {}),
  };
}
