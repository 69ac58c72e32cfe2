/**
 * ClusterClient over the Kubernetes API (GKE, the testbed, any kubeconfig).
 * Maps API errors to Kinetic's codes (./kube-errors.ts): 409 on create is
 * "already done", 5xx/timeouts are retryable, 4xx rejections are permanent
 * with the API server's own message. Every request has a time limit
 * (./kube-http.ts); a followed log stream has a connect and an idle limit.
 */
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  type KubernetesObjectApi,
  type V1Pod,
} from "@kubernetes/client-node";
import { KineticError } from "../errors.ts";
import { toKineticError } from "./kube-errors.ts";
import { followPodLog, makeApiClient, makeObjectApi } from "./kube-http.ts";
import { managedObject, podSelector, prefixLines, refOf, sortPods } from "./kube-objects.ts";
import { MANAGED_SELECTOR } from "./labels.ts";
import { statusMany } from "./status-many.ts";
import { derivePhase, type ObservedWorkload, type WorkloadCondition } from "./status.ts";
import type {
  ClusterClient,
  LogOptions,
  ManagedObject,
  RawWorkload,
  StatusResult,
  SubmitResult,
  VolumeClaim,
  Workload,
  WorkloadRef,
  WorkloadStatus,
} from "./types.ts";

/** Per-request limit unless configured: a healthy API server answers in well under a second. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** A followed log may be silent for long (an XLA compile); this only frees half-open streams. */
export const DEFAULT_FOLLOW_IDLE_MS = 15 * 60_000;

export interface KubeClusterOptions {
  /** Limit of every API request, send to end of body (not log streaming). */
  timeoutMs?: number;
  /** A followed log stream with no output this long ends with a retryable error. */
  followIdleMs?: number;
}

const JOBSET_API = "jobset.x-k8s.io/v1alpha2";
const API_VERSION_OF: Record<string, string> = {
  Job: "batch/v1",
  JobSet: JOBSET_API,
  Pod: "v1",
  Secret: "v1",
  ConfigMap: "v1",
  ServiceAccount: "v1",
  PersistentVolumeClaim: "v1",
  Service: "v1",
  Workload: "kueue.x-k8s.io/v1beta2",
};

export class KubeCluster implements ClusterClient {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly timeoutMs: number;
  private readonly followIdleMs: number;

  readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig, options: KubeClusterOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.followIdleMs = options.followIdleMs ?? DEFAULT_FOLLOW_IDLE_MS;
    this.objects = makeObjectApi(kubeConfig, this.timeoutMs);
    this.core = makeApiClient(kubeConfig, CoreV1Api, this.timeoutMs);
    this.batch = makeApiClient(kubeConfig, BatchV1Api, this.timeoutMs);
  }

  static fromFile(path: string, options: KubeClusterOptions = {}): KubeCluster {
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    return new KubeCluster(kc, options);
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

  async ensureClaim(claim: VolumeClaim): Promise<{ created: boolean }> {
    try {
      await this.objects.create(claim as unknown as KubernetesObject);
      return { created: true };
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return { created: false };
      throw toKineticError(err, `create PersistentVolumeClaim ${claim.metadata.namespace}/${claim.metadata.name}`);
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

  statusMany(refs: WorkloadRef[]): Promise<Map<string, StatusResult>> {
    return statusMany(
      { listAll: (kind, ns, selector) => this.listAll(kind, ns, selector), observeOne: (ref) => this.observe(ref) },
      refs,
    );
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
      pods.map(async (pod) => {
        const name = pod.metadata!.name!;
        const target = {
          namespace: ref.namespace,
          name,
          container: pod.spec?.containers[0]?.name ?? "main",
          ...(options.tailLines ? { tailLines: options.tailLines } : {}),
        };
        const emit = (text: string) => onChunk(pods.length > 1 ? prefixLines(text, `[${name}] `) : text);
        // Exempt from the request limit: the stream lasts as long as the job.
        await followPodLog(this.kubeConfig, target, emit, {
          connectMs: this.timeoutMs,
          idleMs: this.followIdleMs,
        }).catch((err: unknown) => {
          throw toKineticError(err, `follow logs of ${ref.namespace}/${name}`);
        });
      }),
    );
  }

  async listManaged(namespace: string, kinds: string[], labelSelector?: string): Promise<ManagedObject[]> {
    const selector = [MANAGED_SELECTOR, labelSelector].filter(Boolean).join(",");
    const out: ManagedObject[] = [];
    for (const kind of kinds) {
      const apiVersion = API_VERSION_OF[kind];
      if (!apiVersion) throw new KineticError("invalid-argument", `unsupported kind ${kind}`);
      for (const item of await this.listAll(kind, namespace, selector)) out.push(managedObject(kind, apiVersion, item));
    }
    return out;
  }

  async readWorkloads(namespace: string): Promise<RawWorkload[]> {
    const out: RawWorkload[] = [];
    for (const kind of ["Job", "JobSet"] as const)
      for (const item of await this.listAll(kind, namespace, MANAGED_SELECTOR))
        out.push({ ...(item as RawWorkload), kind });
    return out;
  }

  /** Every object of a kind in a namespace ("" = all) matching the selector, page by page; an absent CRD lists nothing. */
  private async listAll(kind: string, namespace: string, selector?: string): Promise<KubernetesObject[]> {
    const out: KubernetesObject[] = [];
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
          selector,
          500,
          cont,
        )
        .catch((err: unknown) => {
          // A kind whose CRD is absent (no JobSet or Kueue on this cluster) has nothing to list.
          if (err instanceof ApiException && err.code === 404) return { items: [], metadata: {} };
          throw toKineticError(err, `list ${kind} in ${namespace || "all namespaces"}`);
        });
      out.push(...page.items);
      cont = (page.metadata as { _continue?: string } | undefined)?._continue;
    } while (cont);
    return out;
  }

  /** batch/v1 Jobs client, for callers that need Job-specific calls. */
  get jobs(): BatchV1Api {
    return this.batch;
  }
}
