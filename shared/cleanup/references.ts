/**
 * Which Secrets, ConfigMaps and ServiceAccounts the live Kinetic workloads in
 * a namespace use, read from their pod templates (a queued JobSet has no pods
 * yet but will mount what its template names). The stale-resource finder
 * never deletes anything listed here.
 */
import type { ClusterClient, RawWorkload } from "../cluster/types.ts";

/** "Kind/namespace/name" → the workloads that use it ("Job/ns/name"). */
export type References = Map<string, string[]>;

export interface ReferenceReader {
  /** References held by unfinished Kinetic Jobs/JobSets in `namespace` ("" = every namespace). */
  read(namespace: string): Promise<References>;
}

export function refKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

interface PodSpecLike {
  serviceAccountName?: string;
  imagePullSecrets?: Array<{ name?: string }>;
  volumes?: Array<{
    secret?: { secretName?: string };
    configMap?: { name?: string };
    projected?: { sources?: Array<{ secret?: { name?: string }; configMap?: { name?: string } }> };
  }>;
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}

interface ContainerLike {
  env?: Array<{ valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } }>;
  envFrom?: Array<{ secretRef?: { name?: string }; configMapRef?: { name?: string } }>;
}

/** Every Secret/ConfigMap/ServiceAccount a pod spec names, as [kind, name]. */
export function podSpecReferences(spec: PodSpecLike | undefined): Array<[string, string]> {
  if (!spec) return [];
  const out: Array<[string, string]> = [];
  const add = (kind: string, name: string | undefined) => {
    if (name) out.push([kind, name]);
  };
  add("ServiceAccount", spec.serviceAccountName);
  for (const s of spec.imagePullSecrets ?? []) add("Secret", s.name);
  for (const v of spec.volumes ?? []) {
    add("Secret", v.secret?.secretName);
    add("ConfigMap", v.configMap?.name);
    for (const p of v.projected?.sources ?? []) {
      add("Secret", p.secret?.name);
      add("ConfigMap", p.configMap?.name);
    }
  }
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      add("Secret", e.valueFrom?.secretKeyRef?.name);
      add("ConfigMap", e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add("Secret", e.secretRef?.name);
      add("ConfigMap", e.configMapRef?.name);
    }
  }
  return out;
}

// The parts of a Job or JobSet read here; the cluster client keeps the Kubernetes SDK types to itself.
type Workloadish = Pick<RawWorkload, "kind" | "metadata"> & {
  apiVersion?: string;
  spec?: {
    template?: { spec?: PodSpecLike };
    replicatedJobs?: Array<{ template?: { spec?: { template?: { spec?: PodSpecLike } } } }>;
  };
  status?: { conditions?: Array<{ type: string; status: string }> };
};

function finished(obj: Workloadish): boolean {
  return (obj.status?.conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Completed" || c.type === "Failed") && c.status === "True",
  );
}

/** Pod specs of a Job or JobSet object. */
export function podSpecsOf(obj: Workloadish): PodSpecLike[] {
  if (obj.kind === "JobSet") return (obj.spec?.replicatedJobs ?? []).map((r) => r.template?.spec?.template?.spec ?? {});
  return obj.spec?.template?.spec ? [obj.spec.template.spec] : [];
}

/** Adds the references of unfinished workloads to `into`. */
export function collectReferences(objects: Workloadish[], into: References = new Map()): References {
  for (const obj of objects) {
    if (finished(obj)) continue;
    const ns = obj.metadata?.namespace ?? "";
    const user = `${obj.kind}/${ns}/${obj.metadata?.name ?? ""}`;
    for (const spec of podSpecsOf(obj)) {
      for (const [kind, name] of podSpecReferences(spec)) {
        const key = refKey(kind, ns, name);
        const users = into.get(key) ?? [];
        if (!users.includes(user)) users.push(user);
        into.set(key, users);
      }
    }
  }
  return into;
}

/** Reads pod templates through the cluster client (Kubernetes or GKE); see ClusterClient.readWorkloads. */
export class ClusterReferenceReader implements ReferenceReader {
  private readonly cluster: Required<Pick<ClusterClient, "readWorkloads">>;

  constructor(cluster: Required<Pick<ClusterClient, "readWorkloads">>) {
    this.cluster = cluster;
  }

  async read(namespace: string): Promise<References> {
    const refs: References = new Map();
    collectReferences((await this.cluster.readWorkloads(namespace)) as Workloadish[], refs);
    return refs;
  }
}
