// The testbed's fake node pools, shaped like GKE node pools (labels, taints, capacity), as plain data.
// Other tests import this to know pool names and selectors; the harness turns each pool into KWOK-managed v1 Nodes.
import type { V1Node, V1Taint } from "@kubernetes/client-node";

export interface NodePool {
  /** GKE node pool name: the `cloud.google.com/gke-nodepool` label. */
  readonly name: string;
  readonly nodeCount: number;
  readonly machineType: string;
  readonly zone: string;
  /** Pool-specific GKE labels (accelerator, TPU topology, spot); common labels are added per node. */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly V1Taint[];
  /** Per-node capacity, also used as allocatable. */
  readonly capacity: Readonly<Record<string, string>>;
  /** What the pool is for, in the catalog's own words. */
  readonly accelerator:
    | { readonly kind: "none" }
    | { readonly kind: "gpu"; readonly type: string; readonly perNode: number }
    | { readonly kind: "tpu"; readonly type: string; readonly topology: string; readonly perNode: number };
}

export const GPU_RESOURCE = "nvidia.com/gpu";
export const TPU_RESOURCE = "google.com/tpu";
export const LABEL_NODEPOOL = "cloud.google.com/gke-nodepool";
export const LABEL_GKE_ACCELERATOR = "cloud.google.com/gke-accelerator";
export const LABEL_TPU_ACCELERATOR = "cloud.google.com/gke-tpu-accelerator";
export const LABEL_TPU_TOPOLOGY = "cloud.google.com/gke-tpu-topology";
export const LABEL_SPOT = "cloud.google.com/gke-spot";
export const LABEL_ZONE = "topology.kubernetes.io/zone";

// GKE taints GPU nodes when the cluster also has non-GPU pools, and always taints TPU nodes.
const GPU_TAINT: V1Taint = { key: GPU_RESOURCE, value: "present", effect: "NoSchedule" };
const TPU_TAINT: V1Taint = { key: TPU_RESOURCE, value: "present", effect: "NoSchedule" };

export const POOLS = {
  cpu: {
    name: "cpu-pool",
    nodeCount: 2,
    machineType: "n2-standard-8",
    zone: "us-central1-a",
    labels: {},
    taints: [],
    capacity: { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" },
    accelerator: { kind: "none" },
  },
  l4: {
    name: "l4-pool",
    nodeCount: 2,
    machineType: "g2-standard-96",
    zone: "us-central1-a",
    labels: { [LABEL_GKE_ACCELERATOR]: "nvidia-l4", "cloud.google.com/gke-gpu": "true" },
    taints: [GPU_TAINT],
    capacity: { cpu: "96", memory: "384Gi", pods: "110", "ephemeral-storage": "100Gi", [GPU_RESOURCE]: "8" },
    accelerator: { kind: "gpu", type: "nvidia-l4", perNode: 8 },
  },
  h100: {
    name: "h100-pool",
    nodeCount: 1,
    machineType: "a3-highgpu-8g",
    zone: "us-central1-a",
    labels: { [LABEL_GKE_ACCELERATOR]: "nvidia-h100-80gb", "cloud.google.com/gke-gpu": "true" },
    taints: [GPU_TAINT],
    capacity: { cpu: "208", memory: "1872Gi", pods: "110", "ephemeral-storage": "100Gi", [GPU_RESOURCE]: "8" },
    accelerator: { kind: "gpu", type: "nvidia-h100-80gb", perNode: 8 },
  },
  l4Spot: {
    name: "l4-spot-pool",
    nodeCount: 1,
    machineType: "g2-standard-96",
    zone: "us-central1-b",
    labels: {
      [LABEL_GKE_ACCELERATOR]: "nvidia-l4",
      "cloud.google.com/gke-gpu": "true",
      [LABEL_SPOT]: "true",
      "cloud.google.com/gke-provisioning": "spot",
    },
    taints: [GPU_TAINT],
    capacity: { cpu: "96", memory: "384Gi", pods: "110", "ephemeral-storage": "100Gi", [GPU_RESOURCE]: "8" },
    accelerator: { kind: "gpu", type: "nvidia-l4", perNode: 8 },
  },
  v6e8: {
    name: "tpu-v6e-8-pool",
    nodeCount: 2,
    machineType: "ct6e-standard-8t",
    zone: "us-east5-b",
    labels: { [LABEL_TPU_ACCELERATOR]: "tpu-v6e-slice", [LABEL_TPU_TOPOLOGY]: "2x4" },
    taints: [TPU_TAINT],
    capacity: { cpu: "180", memory: "1440Gi", pods: "110", "ephemeral-storage": "100Gi", [TPU_RESOURCE]: "8" },
    accelerator: { kind: "tpu", type: "tpu-v6e-slice", topology: "2x4", perNode: 8 },
  },
  v5e16: {
    name: "tpu-v5e-16-pool",
    nodeCount: 4,
    machineType: "ct5lp-hightpu-4t",
    zone: "us-west4-a",
    labels: { [LABEL_TPU_ACCELERATOR]: "tpu-v5-lite-podslice", [LABEL_TPU_TOPOLOGY]: "4x4" },
    taints: [TPU_TAINT],
    capacity: { cpu: "112", memory: "192Gi", pods: "110", "ephemeral-storage": "100Gi", [TPU_RESOURCE]: "4" },
    accelerator: { kind: "tpu", type: "tpu-v5-lite-podslice", topology: "4x4", perNode: 4 },
  },
} as const satisfies Record<string, NodePool>;

export type PoolKey = keyof typeof POOLS;

export const NODE_POOLS: readonly NodePool[] = Object.values(POOLS);

/** The node selector a workload uses to land on a pool's accelerator (GKE's documented selectors). */
export function acceleratorSelector(pool: NodePool): Record<string, string> {
  const a = pool.accelerator;
  if (a.kind === "gpu") return { [LABEL_GKE_ACCELERATOR]: a.type };
  if (a.kind === "tpu") return { [LABEL_TPU_ACCELERATOR]: a.type, [LABEL_TPU_TOPOLOGY]: a.topology };
  return { [LABEL_NODEPOOL]: pool.name };
}

export function nodeName(pool: NodePool, index: number): string {
  return `gke-kinetic-${pool.name}-${index}`;
}

function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, "");
}

/** The v1 Node objects for a pool; KWOK manages nodes with the `kwok.x-k8s.io/node: fake` annotation. */
export function nodesFor(pool: NodePool): V1Node[] {
  return Array.from({ length: pool.nodeCount }, (_, i) => {
    const name = nodeName(pool, i);
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "node.kubernetes.io/instance-type": pool.machineType,
          [LABEL_ZONE]: pool.zone,
          "topology.kubernetes.io/region": regionOf(pool.zone),
          [LABEL_NODEPOOL]: pool.name,
          "cloud.google.com/machine-family": pool.machineType.split("-")[0] ?? pool.machineType,
          "cloud.google.com/gke-os-distribution": "cos",
          type: "kwok",
          ...pool.labels,
        },
      },
      spec: { taints: pool.taints.map((t) => ({ ...t })) },
      status: {
        capacity: { ...pool.capacity },
        allocatable: { ...pool.capacity },
        nodeInfo: {
          architecture: "amd64",
          operatingSystem: "linux",
          osImage: "Container-Optimized OS from Google",
          kubeletVersion: "v1.36.3-gke",
          bootID: "",
          containerRuntimeVersion: "containerd://2.0.0",
          kernelVersion: "6.6.0",
          kubeProxyVersion: "",
          machineID: "",
          systemUUID: "",
        },
      },
    };
  });
}

export function allNodes(): V1Node[] {
  return NODE_POOLS.flatMap(nodesFor);
}
