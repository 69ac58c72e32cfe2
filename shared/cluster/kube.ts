/**
 * ClusterClient over the Kubernetes API (GKE, the testbed, any kubeconfig).
 * Maps API errors to Kinetic's codes: 409 on create is "already done",
 * 5xx/timeouts are retryable, 4xx rejections are permanent with the API
 * server's own message.
 */
import { Writable } from "node:stream";
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  Log,
  type KubernetesObject,
  type V1Pod,
} from "@kubernetes/client-node";
import { KineticError } from "../errors.ts";
import { MANAGED_BY_LABEL, MANAGED_SELECTOR } from "./labels.ts";
import { derivePhase, type ObservedWorkload, type WorkloadCondition } from "./status.ts";
import type {
  ClusterClient,
  LogOptions,
  ManagedObject,
  RawWorkload,
  SubmitResult,
  Workload,
  WorkloadRef,
  WorkloadStatus,
} from "./types.ts";

const JOBSET_API = "jobset.x-k8s.io/v1alpha2";
const API_VERSION_OF: Record<string, string> = {
  Job: "batch/v1",
  JobSet: JOBSET_API,
  Pod: "v1",
  Secret: "v1",
  ConfigMap: "v1",
  ServiceAccount: "v1",
  Service: "v1",
  Workload: "kueue.x-k8s.io/v1beta2",
};

export class KubeCluster implements ClusterClient {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly logApi: Log;

  readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.logApi = new Log(kubeConfig);
  }

  static fromFile(path: string): KubeCluster {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new KubeCluster(kc);
  }

  async submit(workload: Workload): Promise<SubmitResult> {
    const ref = refOf(workload);
    try {
      await this.objects.create(workload as unknown as KubernetesObject);
      return { created: true, ref };
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return { created: false, ref };
      throw toKineticError(err, `create ${workload.kind} ${ref.namespace}/${ref.name}`);
    }
  }

  async dryRun(workload: Workload): Promise<void> {
    try {
      await this.objects.create(workload as unknown as KubernetesObject, undefined, "All");
    } catch (err) {
      throw toKineticError(err, `validate ${workload.kind} ${workload.metadata.namespace}/${workload.metadata.name}`);
    }
  }

  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    const observed = await this.observe(ref);
    return derivePhase(observed);
  }

  /** Reads the workload, its pods and (when suspended) its Kueue Workload. */
  private async observe(ref: WorkloadRef): Promise<ObservedWorkload> {
    let obj: KubernetesObject & { spec?: { suspend?: boolean }; status?: Record<string, unknown> };
    try {
      obj = await this.objects.read({
        apiVersion: API_VERSION_OF[ref.kind]!,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return { exists: false, pods: [] };
      throw toKineticError(err, `read ${ref.kind} ${ref.namespace}/${ref.name}`);
    }
    const status = (obj.status ?? {}) as {
      conditions?: WorkloadCondition[];
      startTime?: string;
      completionTime?: string;
    };
    const pods = await this.pods(ref);
    const suspended = obj.spec?.suspend === true;
    const queue =
      suspended && obj.metadata?.uid ? await this.kueueWorkload(ref.namespace, obj.metadata.uid) : undefined;
    return {
      exists: true,
      kind: ref.kind,
      suspended,
      conditions: status.conditions ?? [],
      startTime: status.startTime,
      completionTime: status.completionTime,
      pods,
      queue,
    };
  }

  private async pods(ref: WorkloadRef): Promise<V1Pod[]> {
    try {
      const list = await this.core.listNamespacedPod({
        namespace: ref.namespace,
        labelSelector: podSelector(ref),
      });
      return list.items;
    } catch (err) {
      throw toKineticError(err, `list pods of ${ref.namespace}/${ref.name}`);
    }
  }

  /** Kueue labels its Workload with the job's uid; its QuotaReserved condition says why a job waits. */
  private async kueueWorkload(
    namespace: string,
    uid: string,
  ): Promise<{ conditions: WorkloadCondition[] } | undefined> {
    try {
      const list = await this.objects.list<KubernetesObject & { status?: { conditions?: WorkloadCondition[] } }>(
        API_VERSION_OF.Workload!,
        "Workload",
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        `kueue.x-k8s.io/job-uid=${uid}`,
      );
      const wl = list.items[0];
      return wl ? { conditions: wl.status?.conditions ?? [] } : undefined;
    } catch {
      // No Kueue on this cluster: the job is simply suspended.
      return undefined;
    }
  }

  async delete(ref: WorkloadRef): Promise<{ deleted: boolean }> {
    return this.deleteObject({ ...ref, apiVersion: API_VERSION_OF[ref.kind]! });
  }

  async deleteObject(
    obj: Pick<ManagedObject, "kind" | "apiVersion" | "name" | "namespace">,
  ): Promise<{ deleted: boolean }> {
    try {
      await this.objects.delete(
        { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.name, namespace: obj.namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        "Background",
      );
      return { deleted: true };
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return { deleted: false };
      throw toKineticError(err, `delete ${obj.kind} ${obj.namespace}/${obj.name}`);
    }
  }

  async logs(ref: WorkloadRef, options: LogOptions = {}): Promise<string> {
    const pods = sortPods(await this.pods(ref)).filter((_, i) => options.worker === undefined || i === options.worker);
    const parts: string[] = [];
    for (const pod of pods) {
      const name = pod.metadata!.name!;
      try {
        const text = await this.core.readNamespacedPodLog({
          name,
          namespace: ref.namespace,
          ...(options.tailLines ? { tailLines: options.tailLines } : {}),
        });
        parts.push(pods.length > 1 ? prefixLines(text, `[${name}] `) : text);
      } catch (err) {
        // A pod that never started has no log yet; that is not an error for the caller.
        if (err instanceof ApiException && (err.code === 400 || err.code === 404)) continue;
        throw toKineticError(err, `read logs of ${ref.namespace}/${name}`);
      }
    }
    return parts.join("");
  }

  async followLogs(ref: WorkloadRef, onChunk: (text: string) => void, options: LogOptions = {}): Promise<void> {
    const pods = sortPods(await this.pods(ref)).filter((_, i) => options.worker === undefined || i === options.worker);
    await Promise.all(
      pods.map(
        (pod) =>
          new Promise<void>((resolve, reject) => {
            const sink = new Writable({
              write(chunk: Buffer, _enc, cb) {
                onChunk(pods.length > 1 ? prefixLines(chunk.toString(), `[${pod.metadata!.name}] `) : chunk.toString());
                cb();
              },
            });
            const container = pod.spec?.containers[0]?.name ?? "main";
            this.logApi
              .log(ref.namespace, pod.metadata!.name!, container, sink, (err) => (err ? reject(err) : resolve()), {
                follow: true,
                ...(options.tailLines ? { tailLines: options.tailLines } : {}),
              })
              .catch(reject);
          }),
      ),
    );
  }

  async listManaged(namespace: string, kinds: string[], labelSelector?: string): Promise<ManagedObject[]> {
    const selector = [`${MANAGED_BY_LABEL}=kinetic`, labelSelector].filter(Boolean).join(",");
    const out: ManagedObject[] = [];
    for (const kind of kinds) {
      const apiVersion = API_VERSION_OF[kind];
      if (!apiVersion) throw new KineticError("invalid-argument", `unsupported kind ${kind}`);
      let cont: string | undefined;
      do {
        const list = await this.objects
          .list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector, 500, cont)
          .catch((err: unknown) => {
            // A kind whose CRD is absent (no JobSet on this cluster) has nothing to list.
            if (err instanceof ApiException && err.code === 404) return { items: [], metadata: {} };
            throw toKineticError(err, `list ${kind} in ${namespace}`);
          });
        for (const item of list.items) out.push(managedObject(kind, apiVersion, item));
        cont = (list.metadata as { _continue?: string } | undefined)?._continue;
      } while (cont);
    }
    return out;
  }

  async readWorkloads(namespace: string): Promise<RawWorkload[]> {
    const out: RawWorkload[] = [];
    for (const kind of ["Job", "JobSet"] as const) {
      let cont: string | undefined;
      do {
        const page = await this.objects
          .list(
            API_VERSION_OF[kind]!,
            kind,
            namespace || undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            MANAGED_SELECTOR,
            500,
            cont,
          )
          .catch((err: unknown) => {
            // No JobSet CRD on this cluster: there is nothing of that kind to read.
            if (err instanceof ApiException && err.code === 404) return { items: [], metadata: {} };
            throw toKineticError(err, `list ${kind} in ${namespace || "all namespaces"}`);
          });
        for (const item of page.items) out.push({ ...(item as RawWorkload), kind });
        cont = (page.metadata as { _continue?: string } | undefined)?._continue;
      } while (cont);
    }
    return out;
  }

  /** batch/v1 Jobs client, for callers that need Job-specific calls. */
  get jobs(): BatchV1Api {
    return this.batch;
  }
}

function refOf(w: Workload): WorkloadRef {
  return { kind: w.kind, name: w.metadata.name, namespace: w.metadata.namespace };
}

function podSelector(ref: WorkloadRef): string {
  return ref.kind === "JobSet"
    ? `jobset.sigs.k8s.io/jobset-name=${ref.name}`
    : `batch.kubernetes.io/job-name=${ref.name}`;
}

/** Pods in worker order: JobSet job index, then completion index, then name. */
function sortPods(pods: V1Pod[]): V1Pod[] {
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

function prefixLines(text: string, prefix: string): string {
  return text
    .split(/(?<=\n)/)
    .map((l) => (l.length ? prefix + l : l))
    .join("");
}

function managedObject(kind: string, apiVersion: string, item: KubernetesObject): ManagedObject {
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

/** Maps a client error to a KineticError, keeping the API server's message. */
export function toKineticError(err: unknown, action: string): KineticError {
  if (err instanceof KineticError) return err;
  if (err instanceof ApiException) {
    const message = apiMessage(err);
    if (err.code >= 500 || err.code === 429 || err.code === 0) {
      return new KineticError("cluster-unavailable", `${action}: ${message}`, { cause: err });
    }
    return new KineticError("cluster-rejected", `${action}: ${message} (HTTP ${err.code})`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KineticError("cluster-unavailable", `${action}: ${message}`, { cause: err });
}

function apiMessage(err: ApiException<unknown>): string {
  const body = err.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === "object" && "message" in body) return String((body as { message: unknown }).message);
  return err.message;
}
