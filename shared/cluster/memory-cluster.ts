/**
 * The ClusterClient in memory, for domain unit tests and the benches that
 * measure Firestore work, not Kubernetes (the testbed is the real cluster). It keeps the API server's contract
 * where the domain depends on it: a create of an existing name is a 409
 * (created: false), label selectors select, a deleted object reads as
 * Missing, and a status is whatever the test says the workload is doing.
 * Faults are injected per operation, before or after the create takes effect.
 */
import {
  workloadKey,
  type ClusterClient,
  type ManagedObject,
  type StatusResult,
  type SubmitResult,
  type VolumeClaim,
  type Workload,
  type WorkloadRef,
  type WorkloadStatus,
} from "./types.ts";
import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "./labels.ts";

type Op = "submit" | "status" | "delete";

export class MemoryCluster implements ClusterClient {
  readonly objects = new Map<string, ManagedObject>();
  /** Workloads as submitted, by "kind/namespace/name". */
  readonly submitted = new Map<string, Workload>();
  private readonly statuses = new Map<string, WorkloadStatus>();
  private readonly faults: Array<{ op: Op; error: Error; after?: boolean }> = [];
  submits = 0;
  lists = 0;
  /** statusMany calls (syncJobs reads every active workload with one). */
  statusLists = 0;
  deletes = 0;

  private key(o: { kind: string; namespace: string; name: string }): string {
    return `${o.kind}/${o.namespace}/${o.name}`;
  }

  /** Adds a Kinetic Job for `jobId`; `finishedAt` makes it finished (Succeeded). */
  addJob(namespace: string, jobId: string, finishedAt?: string): void {
    this.addWorkload(jobId, {
      namespace,
      createdAt: finishedAt ?? new Date().toISOString(),
      ...(finishedAt ? { finishedAt } : {}),
    });
  }

  /** Adds a Kinetic-labelled Job or JobSet: running unless it has a finish time. */
  addWorkload(
    name: string,
    o: {
      namespace: string;
      kind?: string;
      jobId?: string;
      finishedAt?: string;
      createdAt?: string;
      labels?: Record<string, string>;
    },
  ): void {
    const kind = o.kind ?? "Job";
    this.add({
      kind,
      apiVersion: kind === "JobSet" ? "jobset.x-k8s.io/v1alpha2" : "batch/v1",
      name,
      namespace: o.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [JOB_ID_LABEL]: o.jobId ?? name, ...o.labels },
      createdAt: o.createdAt ?? new Date().toISOString(),
      ...(o.finishedAt ? { finishedAt: o.finishedAt, phase: "Succeeded" as const } : {}),
    });
  }

  add(obj: ManagedObject): void {
    this.objects.set(this.key(obj), { ...obj, labels: { ...obj.labels } });
  }

  /** What `status` answers for this workload from now on (it must exist, else it reads Missing). */
  setStatus(ref: WorkloadRef, status: WorkloadStatus): void {
    this.statuses.set(this.key(ref), status);
  }

  /**
   * The next call of `op` throws `error`. With `after`, a submit creates the
   * object first and then throws: the client saw an error, the object exists.
   */
  failNext(op: Op, error: Error, options: { after?: boolean } = {}): void {
    this.faults.push({ op, error, ...(options.after ? { after: true } : {}) });
  }

  private fault(op: Op, after: boolean): void {
    const i = this.faults.findIndex((f) => f.op === op && (f.after ?? false) === after);
    if (i >= 0) throw this.faults.splice(i, 1)[0]!.error;
  }

  async submit(workload: Workload): Promise<SubmitResult> {
    await tick();
    this.submits++;
    this.fault("submit", false);
    const ref: WorkloadRef = {
      kind: workload.kind,
      name: workload.metadata.name,
      namespace: workload.metadata.namespace,
    };
    const key = this.key(ref);
    if (this.objects.has(key)) return { created: false, ref };
    this.objects.set(key, {
      kind: workload.kind,
      apiVersion: workload.apiVersion,
      name: ref.name,
      namespace: ref.namespace,
      labels: { ...workload.metadata.labels },
      createdAt: new Date().toISOString(),
    });
    this.submitted.set(key, structuredClone(workload));
    this.fault("submit", true);
    return { created: true, ref };
  }

  async ensureClaim(claim: VolumeClaim): Promise<{ created: boolean }> {
    await tick();
    const key = this.key({ kind: claim.kind, namespace: claim.metadata.namespace, name: claim.metadata.name });
    if (this.objects.has(key)) return { created: false };
    this.objects.set(key, {
      kind: claim.kind,
      apiVersion: claim.apiVersion,
      name: claim.metadata.name,
      namespace: claim.metadata.namespace,
      labels: { ...claim.metadata.labels },
      createdAt: new Date().toISOString(),
    });
    return { created: true };
  }

  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    await tick();
    this.fault("status", false);
    const key = this.key(ref);
    const o = this.objects.get(key);
    if (!o) return { phase: "Missing" };
    return this.statuses.get(key) ?? { phase: o.phase ?? "Running" };
  }

  /** Like the API server's lists: one call answers for every ref; a faulted read fails all of them. */
  async statusMany(refs: WorkloadRef[]): Promise<Map<string, StatusResult>> {
    this.statusLists++;
    const out = new Map<string, StatusResult>();
    try {
      this.fault("status", false);
    } catch (error) {
      for (const ref of refs) out.set(workloadKey(ref), { error });
      return out;
    }
    for (const ref of refs) {
      const key = this.key(ref);
      const o = this.objects.get(key);
      out.set(workloadKey(ref), {
        status: !o ? { phase: "Missing" } : (this.statuses.get(key) ?? { phase: o.phase ?? "Running" }),
      });
    }
    await tick();
    return out;
  }

  async delete(ref: WorkloadRef): Promise<{ deleted: boolean }> {
    await tick();
    this.fault("delete", false);
    return this.deleteObject(ref);
  }

  async deleteObject(o: Pick<ManagedObject, "kind" | "namespace" | "name">): Promise<{ deleted: boolean }> {
    this.deletes++;
    this.statuses.delete(this.key(o));
    return { deleted: this.objects.delete(this.key(o)) };
  }

  async listManaged(namespace: string, kinds: string[], labelSelector?: string): Promise<ManagedObject[]> {
    await tick();
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

  async dryRun(): Promise<void> {}

  async logs(): Promise<string> {
    return "";
  }
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
