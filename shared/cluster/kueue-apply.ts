/**
 * The Kubernetes side of the default queue: nodes as the quota planner sees
 * them, and server-side apply of Kueue objects (idempotent: applying the same
 * object again changes nothing, not even its resourceVersion).
 *
 * Built from a KubeConfig: the test kubeconfig, KINETIC_KUBECONFIG, or GKE
 * (endpoint, CA and an ADC token per connection; a cron connects per run).
 */
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  type KubernetesObject,
  type V1Node,
} from "@kubernetes/client-node";
import { KineticError } from "../errors.ts";
import type { KubeObject, NodeInfo } from "../kueue/default-queue.ts";
import { clusterTimeoutMs, googleApis, gkeKubeConfig } from "./connect.ts";
import { toKineticError } from "./kube-errors.ts";
import { makeApiClient, makeObjectApi } from "./kube-http.ts";

export interface ApplyOptions {
  /** Server-side apply field manager: one per set of fields Kinetic owns. */
  fieldManager: string;
  /** Take fields another manager owns (Kinetic's own objects); false leaves others' values and fails instead. */
  force: boolean;
  dryRun?: boolean;
}

/** The port ensureDefaultQueue works through. */
export interface KueueApplier {
  listNodes(): Promise<NodeInfo[]>;
  apply(obj: KubeObject, options: ApplyOptions): Promise<KubeObject>;
  /** The object, or undefined when it does not exist. */
  get(
    ref: Pick<KubeObject, "apiVersion" | "kind"> & { name: string; namespace?: string },
  ): Promise<KubeObject | undefined>;
}

export function nodeInfo(node: V1Node): NodeInfo {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  return {
    name: node.metadata?.name ?? "",
    labels: { ...(node.metadata?.labels ?? {}) },
    allocatable: { ...(node.status?.allocatable ?? {}) },
    unschedulable: node.spec?.unschedulable === true,
    ready: ready?.status === "True",
  };
}

export function kueueApplier(kc: KubeConfig, timeoutMs = clusterTimeoutMs()): KueueApplier {
  const objects = makeObjectApi(kc, timeoutMs);
  const core = makeApiClient(kc, CoreV1Api, timeoutMs);
  return {
    async listNodes() {
      const nodes: NodeInfo[] = [];
      let _continue: string | undefined;
      try {
        do {
          const page = await core.listNode({ limit: 500, ...(_continue ? { _continue } : {}) });
          nodes.push(...page.items.map(nodeInfo));
          _continue = page.metadata?._continue || undefined;
        } while (_continue);
      } catch (err) {
        throw toKineticError(err, "list nodes");
      }
      return nodes;
    },
    async apply(obj, options) {
      const what = `apply ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
      try {
        const applied = await objects.patch(
          obj as unknown as KubernetesObject,
          undefined,
          options.dryRun ? "All" : undefined,
          options.fieldManager,
          options.force,
          PatchStrategy.ServerSideApply,
        );
        return applied as unknown as KubeObject;
      } catch (err) {
        throw toKineticError(err, what);
      }
    },
    async get(ref) {
      try {
        const read = await objects.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
        });
        return read as unknown as KubeObject;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw toKineticError(err, `read ${ref.kind} ${ref.name}`);
      }
    },
  };
}

/**
 * An applier for the deployment's cluster: KINETIC_KUBECONFIG (or KUBECONFIG), else the GKE cluster named by
 * KINETIC_PROJECT, KINETIC_ZONE and KINETIC_CLUSTER with an ADC token (fresh per call: a cron connects per run).
 */
export async function connectKueue(env: NodeJS.ProcessEnv = process.env): Promise<KueueApplier> {
  const timeoutMs = clusterTimeoutMs(env);
  const file = env.KINETIC_KUBECONFIG ?? env.KUBECONFIG;
  if (file) {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return kueueApplier(kc, timeoutMs);
  }
  const project = env.KINETIC_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  if (!project || !env.KINETIC_ZONE || !env.KINETIC_CLUSTER) {
    throw new KineticError(
      "failed-precondition",
      "no cluster configured: set KINETIC_KUBECONFIG, or KINETIC_PROJECT, KINETIC_ZONE and KINETIC_CLUSTER",
    );
  }
  const gcp = await googleApis();
  const name = `projects/${project}/locations/${env.KINETIC_ZONE}/clusters/${env.KINETIC_CLUSTER}`;
  const cluster = await gcp.getCluster(name);
  const ca = cluster.masterAuth?.clusterCaCertificate;
  const token = await gcp.getAccessToken();
  if (!cluster.endpoint || !ca || !token) {
    throw new KineticError("failed-precondition", `GKE cluster ${name}: no endpoint, CA certificate or access token`);
  }
  return kueueApplier(gkeKubeConfig(env.KINETIC_CLUSTER, cluster.endpoint, ca, token), timeoutMs);
}
