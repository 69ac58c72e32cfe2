/**
 * TPU slice arithmetic: the sizes a family offers (single-host shapes from
 * the catalog, multi-host topologies by doubling the smallest dimension),
 * chips per topology, and a size's canonical name. Rules, not tables, so every
 * size the catalog allows is derived the same way.
 */
import { MULTI_HOST_CHIPS_PER_VM, type TpuFamily } from "./catalog.ts";

/** Multi-host topologies of a family: from `multiHostFrom`, double the last smallest dimension until `multiHostTo`. */
export function multiHostTopologies(family: TpuFamily): string[] {
  const out: string[] = [];
  let dims = family.multiHostFrom.split("x").map(Number);
  const last = family.multiHostTo;
  for (let guard = 0; guard < 32; guard++) {
    out.push(dims.join("x"));
    if (dims.join("x") === last) break;
    const min = Math.min(...dims);
    const i = dims.lastIndexOf(min);
    dims = dims.map((d, j) => (j === i ? d * 2 : d));
  }
  return [...out, ...(family.multiHostExtra ?? [])];
}

export function topologyChips(topology: string): number {
  return topology.split("x").reduce((n, d) => n * Number(d), 1);
}

export interface TpuSize {
  suffix: number;
  chips: number;
  hosts: number;
  topology: string;
  machineType: string;
  chipsPerVm: number;
}

/** Every slice size a family offers, smallest first. */
export function tpuSizes(family: TpuFamily): TpuSize[] {
  const perChip = family.suffixCounts === "cores" ? 2 : 1;
  const sizes: TpuSize[] = Object.entries(family.singleHost).map(([chips, shape]) => ({
    suffix: Number(chips) * perChip,
    chips: Number(chips),
    hosts: 1,
    topology: shape.topology,
    machineType: shape.machineType,
    chipsPerVm: Number(chips),
  }));
  for (const topology of multiHostTopologies(family)) {
    const chips = topologyChips(topology);
    sizes.push({
      suffix: chips * perChip,
      chips,
      hosts: chips / MULTI_HOST_CHIPS_PER_VM,
      topology,
      machineType: family.multiHostMachineType,
      chipsPerVm: MULTI_HOST_CHIPS_PER_VM,
    });
  }
  return sizes.sort((a, b) => a.chips - b.chips);
}

export function tpuCanonical(family: TpuFamily, suffix: number | string): string {
  return family.family === "tpu7x" ? `tpu7x-${suffix}` : `tpu-${family.family}-${suffix}`;
}
