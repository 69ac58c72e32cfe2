/**
 * In-cluster setup: JobSet and Kueue (Helm charts, pinned), one ResourceFlavor
 * per node pool, one ClusterQueue covering every pool, a LocalQueue in each
 * configured namespace, and the RBAC the functions' identities get.
 *
 * Every flavor lists cpu, memory and each accelerator resource in ONE resource
 * group: a TPU pod's cpu request must land on the TPU flavor, or Kueue would
 * inject the CPU pool's labels and the pod could never schedule. Accelerators
 * carry the real quota (nodes × per node); cpu and memory are left to the
 * scheduler and autoscaler with a large ceiling.
 */
import type * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FUNCTIONS } from "../functions/deploy.ts";
import type { InfraConfig } from "./config.ts";
import { CPU_POOL_NAME } from "./config-fields.ts";
import type { Identities } from "./iam.ts";
import { LABELS, poolCapacity, poolShape, type AcceleratorResource } from "./pools.ts";
import { CLUSTER_QUEUE, LOCAL_QUEUE } from "./queue-names.ts";

export const KUEUE_API = "kueue.x-k8s.io/v1beta2";
export { CLUSTER_QUEUE, LOCAL_QUEUE } from "./queue-names.ts";
const UNBOUNDED_CPU = "10000";
const UNBOUNDED_MEMORY = "100Ti";

export interface FlavorSpec {
  name: string;
  nodeLabels: Record<string, string>;
  quotas: Record<string, string>;
}

/** The ClusterQueue's flavors, CPU first so CPU-only jobs never take an accelerator pool. */
export function queueFlavors(cfg: InfraConfig): { coveredResources: string[]; flavors: FlavorSpec[] } {
  const shapes = cfg.pools.map(poolShape);
  const accelerators = [...new Set(shapes.map((s) => s.resource))].sort() as AcceleratorResource[];
  const coveredResources = ["cpu", "memory", ...accelerators];
  const quotas = (own?: { resource: AcceleratorResource; amount: number }) => ({
    cpu: UNBOUNDED_CPU,
    memory: UNBOUNDED_MEMORY,
    ...Object.fromEntries(accelerators.map((r) => [r, String(own?.resource === r ? own.amount : 0)])),
  });
  return {
    coveredResources,
    flavors: [
      { name: CPU_POOL_NAME, nodeLabels: { [LABELS.nodePool]: CPU_POOL_NAME }, quotas: quotas() },
      ...shapes.map((s) => ({
        name: s.name,
        nodeLabels: s.nodeLabels,
        quotas: quotas({ resource: s.resource, amount: poolCapacity(s) }),
      })),
    ],
  };
}

/** What the functions may do in the cluster (their Google identity is the Kubernetes user). */
export const CONTROL_PLANE_RULES = [
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "delete", "patch"] },
  {
    apiGroups: ["jobset.x-k8s.io"],
    resources: ["jobsets"],
    verbs: ["get", "list", "watch", "create", "delete", "patch"],
  },
  { apiGroups: [""], resources: ["pods", "pods/log", "events", "nodes"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
  {
    apiGroups: ["kueue.x-k8s.io"],
    resources: ["workloads"],
    verbs: ["get", "list", "watch"],
  },
  // syncJobs keeps the default ClusterQueue, its flavors, priority classes and LocalQueues in line with the operator
  // config (shared/kueue/ensure.ts), by server-side apply.
  {
    apiGroups: ["kueue.x-k8s.io"],
    resources: ["localqueues", "clusterqueues", "resourceflavors", "workloadpriorityclasses"],
    verbs: ["get", "list", "watch", "create", "patch"],
  },
];

export function kubeconfigFor(cluster: gcp.container.Cluster): pulumi.Output<string> {
  return pulumi.interpolate`apiVersion: v1
kind: Config
clusters:
- name: gke
  cluster:
    server: https://${cluster.endpoint}
    certificate-authority-data: ${cluster.masterAuth.clusterCaCertificate}
contexts:
- name: gke
  context: {cluster: gke, user: gke}
current-context: gke
users:
- name: gke
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
      installHint: Install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)
`;
}

export function installQueues(
  cfg: InfraConfig,
  cluster: gcp.container.Cluster,
  ids: Identities,
  dependsOn: pulumi.Resource[],
): { provider: k8s.Provider; clusterQueue: k8s.apiextensions.CustomResource } {
  const provider = new k8s.Provider("gke", { kubeconfig: kubeconfigFor(cluster) }, { dependsOn });
  const opts = { provider };
  const jobset = new k8s.helm.v3.Release(
    "jobset",
    {
      name: "jobset",
      chart: "oci://registry.k8s.io/jobset/charts/jobset",
      version: cfg.versions.jobset,
      namespace: "jobset-system",
      createNamespace: true,
      atomic: true,
    },
    opts,
  );
  // Kueue enables its JobSet integration only when the JobSet CRD exists at start.
  const kueue = new k8s.helm.v3.Release(
    "kueue",
    {
      name: "kueue",
      chart: "oci://registry.k8s.io/kueue/charts/kueue",
      version: cfg.versions.kueue,
      namespace: "kueue-system",
      createNamespace: true,
      atomic: true,
    },
    { ...opts, dependsOn: [jobset] },
  );
  const crOpts = { ...opts, dependsOn: [kueue] };
  const { coveredResources, flavors } = queueFlavors(cfg);
  const flavorResources = flavors.map(
    (f) =>
      new k8s.apiextensions.CustomResource(
        `flavor-${f.name}`,
        {
          apiVersion: KUEUE_API,
          kind: "ResourceFlavor",
          metadata: { name: f.name },
          spec: { nodeLabels: f.nodeLabels },
        },
        crOpts,
      ),
  );
  const clusterQueue = new k8s.apiextensions.CustomResource(
    "cluster-queue",
    {
      apiVersion: KUEUE_API,
      kind: "ClusterQueue",
      metadata: { name: CLUSTER_QUEUE },
      spec: {
        namespaceSelector: {},
        queueingStrategy: "BestEffortFIFO",
        preemption: { withinClusterQueue: "LowerPriority", reclaimWithinCohort: "Never" },
        resourceGroups: [
          {
            coveredResources,
            flavors: flavors.map((f) => ({
              name: f.name,
              resources: coveredResources.map((r) => ({ name: r, nominalQuota: f.quotas[r] })),
            })),
          },
        ],
      },
    },
    { ...opts, dependsOn: [kueue, ...flavorResources] },
  );
  const builtIn = new Set(["default", "kube-system", "kube-public"]);
  for (const ns of cfg.namespaces) {
    const namespace = builtIn.has(ns)
      ? undefined
      : new k8s.core.v1.Namespace(`ns-${ns}`, { metadata: { name: ns } }, opts);
    new k8s.apiextensions.CustomResource(
      `local-queue-${ns}`,
      {
        apiVersion: KUEUE_API,
        kind: "LocalQueue",
        metadata: { name: LOCAL_QUEUE, namespace: ns },
        spec: { clusterQueue: CLUSTER_QUEUE },
      },
      { ...opts, dependsOn: [clusterQueue, ...(namespace ? [namespace] : [])] },
    );
  }

  const role = new k8s.rbac.v1.ClusterRole(
    "control-plane-role",
    { metadata: { name: "kinetic-control-plane" }, rules: CONTROL_PLANE_RULES },
    opts,
  );
  const users = FUNCTIONS.filter((f) => f.cluster).map((f) => {
    const sa = ids.runtime.get(f.name);
    if (!sa) throw new Error(`no runtime service account for ${f.name}`);
    return sa.email;
  });
  new k8s.rbac.v1.ClusterRoleBinding(
    "control-plane-binding",
    {
      metadata: { name: "kinetic-control-plane" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: users.map((email) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: email })),
    },
    opts,
  );
  return { provider, clusterQueue };
}
