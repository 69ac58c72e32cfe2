/**
 * What a pool spec means on GKE: the node pool's shape (node counts, placement,
 * accelerators) and the node labels Kueue matches on. Pure functions, so the
 * same answers feed the node pools, the Kueue flavors and `kinetic pool ls`.
 *
 * The TPU machine families below are the catalog's facts needed to size a node
 * pool (accelerators-and-scheduling.md §1); move them to shared/accelerators
 * when that catalog exposes machine types.
 */
import type { GpuPoolSpec, TpuPoolSpec } from "./config-fields.ts";

type PoolSpec = GpuPoolSpec | TpuPoolSpec;

interface TpuFamily {
  /** Value of the cloud.google.com/gke-tpu-accelerator node label. */
  accelerator: string;
  /** Topology rank: 2 (v5e, v6e) or 3 (v4, v5p, tpu7x). */
  dims: 2 | 3;
}

const TPU_FAMILIES: { pattern: RegExp; family: TpuFamily }[] = [
  { pattern: /^ct4p-hightpu-(\d+)t$/, family: { accelerator: "tpu-v4-podslice", dims: 3 } },
  { pattern: /^ct5lp-hightpu-(\d+)t$/, family: { accelerator: "tpu-v5-lite-podslice", dims: 2 } },
  { pattern: /^ct5p-hightpu-(\d+)t$/, family: { accelerator: "tpu-v5p-slice", dims: 3 } },
  { pattern: /^ct6e-standard-(\d+)t$/, family: { accelerator: "tpu-v6e-slice", dims: 2 } },
  { pattern: /^tpu7x-standard-(\d+)t$/, family: { accelerator: "tpu7x", dims: 3 } },
];

export const LABELS = {
  nodePool: "cloud.google.com/gke-nodepool",
  gpu: "cloud.google.com/gke-accelerator",
  tpu: "cloud.google.com/gke-tpu-accelerator",
  tpuTopology: "cloud.google.com/gke-tpu-topology",
  spot: "cloud.google.com/gke-spot",
} as const;

export type AcceleratorResource = "nvidia.com/gpu" | "google.com/tpu";

export interface PoolShape {
  name: string;
  kind: "gpu" | "tpu";
  resource: AcceleratorResource;
  /** Accelerators on one node (GPUs, or TPU chips on one VM). */
  perNode: number;
  minNodes: number;
  maxNodes: number;
  /** Hosts in one TPU slice (1 for GPUs and single-host TPUs). */
  hosts: number;
  /** Set for multi-host TPU slices: COMPACT placement with this topology. */
  placementTopology?: string;
  /** Node labels GKE puts on the pool's nodes; Kueue flavors match on them. */
  nodeLabels: Record<string, string>;
}

export class PoolShapeError extends Error {
  override name = "PoolShapeError";
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function gpuShape(p: GpuPoolSpec): PoolShape {
  if (p.minNodes > p.maxNodes)
    throw new PoolShapeError("minNodes", `minNodes (${p.minNodes}) exceeds maxNodes (${p.maxNodes})`);
  return {
    name: p.name,
    kind: "gpu",
    resource: "nvidia.com/gpu",
    perNode: p.gpusPerNode,
    minNodes: p.minNodes,
    maxNodes: p.maxNodes,
    hosts: 1,
    nodeLabels: {
      [LABELS.nodePool]: p.name,
      [LABELS.gpu]: p.gpuType,
      ...(p.spot ? { [LABELS.spot]: "true" } : {}),
    },
  };
}

function tpuShape(p: TpuPoolSpec): PoolShape {
  const match = TPU_FAMILIES.map((f) => ({ m: f.pattern.exec(p.machineType), family: f.family })).find((x) => x.m);
  if (!match?.m) {
    throw new PoolShapeError(
      "machineType",
      `"${p.machineType}" is not a TPU machine type (expected e.g. ct6e-standard-4t, ct5lp-hightpu-8t, ct5p-hightpu-4t)`,
    );
  }
  const chipsPerVm = Number(match.m[1]);
  const dims = p.topology.split("x").map(Number);
  if (dims.length !== match.family.dims) {
    throw new PoolShapeError(
      "topology",
      `${match.family.accelerator} uses ${match.family.dims}-D topologies (e.g. ${match.family.dims === 2 ? "2x4" : "2x2x2"}), got ${p.topology}`,
    );
  }
  const chips = dims.reduce((a, b) => a * b, 1);
  if (chips < chipsPerVm || chips % chipsPerVm !== 0) {
    throw new PoolShapeError(
      "topology",
      `topology ${p.topology} has ${chips} chips, which ${p.machineType} (${chipsPerVm} chips per VM) cannot tile`,
    );
  }
  const hosts = chips / chipsPerVm;
  if (hosts > 1 && chipsPerVm !== 4) {
    throw new PoolShapeError(
      "machineType",
      `multi-host slices (${p.topology}) use the 4-chip machine shape, not ${p.machineType}`,
    );
  }
  let minNodes = p.minNodes;
  let maxNodes = p.maxNodes ?? 1;
  if (hosts > 1) {
    // A multi-host slice is one unit: the autoscaler takes it from 0 to every host at once.
    if (p.maxNodes !== undefined && p.maxNodes !== hosts) {
      throw new PoolShapeError(
        "maxNodes",
        `a ${p.topology} slice has exactly ${hosts} hosts; maxNodes must be ${hosts} or unset`,
      );
    }
    if (minNodes !== 0 && minNodes !== hosts) {
      throw new PoolShapeError("minNodes", `a ${p.topology} slice scales as a whole: minNodes must be 0 or ${hosts}`);
    }
    maxNodes = hosts;
  } else if (minNodes > maxNodes) {
    throw new PoolShapeError("minNodes", `minNodes (${minNodes}) exceeds maxNodes (${maxNodes})`);
  }
  minNodes = Math.min(minNodes, maxNodes);
  return {
    name: p.name,
    kind: "tpu",
    resource: "google.com/tpu",
    perNode: chipsPerVm,
    minNodes,
    maxNodes,
    hosts,
    ...(hosts > 1 ? { placementTopology: p.topology } : {}),
    nodeLabels: {
      [LABELS.nodePool]: p.name,
      [LABELS.tpu]: match.family.accelerator,
      [LABELS.tpuTopology]: p.topology,
      ...(p.spot ? { [LABELS.spot]: "true" } : {}),
    },
  };
}

export function poolShape(p: PoolSpec): PoolShape {
  return p.kind === "gpu" ? gpuShape(p) : tpuShape(p);
}

/** Accelerators the pool can hold at full size: the Kueue nominal quota for its flavor. */
export function poolCapacity(shape: PoolShape): number {
  return shape.perNode * shape.maxNodes;
}

/** One line per pool for `kinetic pool ls`. */
export function describePool(p: PoolSpec): string {
  const s = poolShape(p);
  const accel =
    p.kind === "gpu" ? `${p.gpusPerNode}x ${p.gpuType}` : `${p.topology} (${s.hosts} host${s.hosts > 1 ? "s" : ""})`;
  const extras = [p.spot ? "spot" : "", p.reservation ? `reservation=${p.reservation}` : ""].filter(Boolean).join(" ");
  return [p.name, p.kind, p.machineType, accel, `nodes ${s.minNodes}-${s.maxNodes}`, extras].filter(Boolean).join("  ");
}
