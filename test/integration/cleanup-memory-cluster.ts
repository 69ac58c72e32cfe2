/**
 * An in-memory ClusterClient for cleanup tests and the cleanup bench that
 * measure Firestore work, not Kubernetes: it holds labelled objects, applies
 * label selectors like the API server, and counts lists and deletes.
 */
import type { ClusterClient, ManagedObject, WorkloadRef, WorkloadStatus } from "../../shared/cluster/types.ts";
import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../../shared/cluster/labels.ts";

export class MemoryCluster implements ClusterClient {
  readonly objects = new Map<string, ManagedObject>();
  lists = 0;
  deletes = 0;

  private key(o: { kind: string; namespace: string; name: string }): string {
    return `${o.kind}/${o.namespace}/${o.name}`;
  }

  /** Adds a Kinetic Job for `jobId`; `finishedAt` makes it finished (Succeeded). */
  addJob(namespace: string, jobId: string, finishedAt?: string): void {
    this.objects.set(this.key({ kind: "Job", namespace, name: jobId }), {
      kind: "Job",
      apiVersion: "batch/v1",
      name: jobId,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [JOB_ID_LABEL]: jobId },
      createdAt: finishedAt ?? new Date().toISOString(),
      ...(finishedAt ? { finishedAt, phase: "Succeeded" as const } : {}),
    });
  }

  async listManaged(namespace: string, kinds: string[], labelSelector?: string): Promise<ManagedObject[]> {
    this.lists++;
    const wanted = [`${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, ...(labelSelector ? labelSelector.split(",") : [])].map(
      (p) => p.split("="),
    );
    return [...this.objects.values()].filter(
      (o) =>
        (!namespace || o.namespace === namespace) &&
        kinds.includes(o.kind) &&
        wanted.every(([k, v]) => o.labels[k!] === v),
    );
  }

  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    const o = this.objects.get(this.key(ref));
    return { phase: o ? (o.phase ?? "Running") : "Missing" };
  }

  async delete(ref: WorkloadRef): Promise<{ deleted: boolean }> {
    return this.deleteObject(ref);
  }

  async deleteObject(o: Pick<ManagedObject, "kind" | "namespace" | "name">): Promise<{ deleted: boolean }> {
    this.deletes++;
    return { deleted: this.objects.delete(this.key(o)) };
  }

  submit(): never {
    throw new Error("MemoryCluster does not submit");
  }
  dryRun(): never {
    throw new Error("MemoryCluster does not validate");
  }
  logs(): never {
    throw new Error("MemoryCluster has no logs");
  }
}
