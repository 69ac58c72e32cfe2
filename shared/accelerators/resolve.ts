/**
 * Accelerator strings → what the pods need: resource name and count per pod,
 * pod count (hosts), node selectors, tolerations and machine shape. The rules
 * (chips = product of the topology, hosts = chips / chips per VM, multi-host
 * slices use 4-chip VMs) are encoded here rather than enumerated, so every
 * size the catalog allows resolves the same way.
 */
import { distance } from "fastest-levenshtein";
import { KineticError } from "../errors.ts";
import {
  AMD_GPU_RESOURCE,
  GENERIC_GPU_MAX_PER_NODE,
  GPU_ACCELERATOR_LABEL,
  GPU_CATALOG,
  NVIDIA_GPU_RESOURCE,
  RESERVATION_AFFINITY_LABEL,
  RESERVATION_NAME_LABEL,
  RESERVATION_PROJECT_LABEL,
  SPOT_LABEL,
  TPU_ACCELERATOR_LABEL,
  TPU_CATALOG,
  TPU_RESOURCE,
  TPU_TOPOLOGY_LABEL,
  type AcceleratorResourceName,
  type GpuType,
  type TpuFamily,
} from "./catalog.ts";
import { tpuCanonical, tpuSizes } from "./tpu-sizes.ts";

export type AcceleratorKind = "tpu" | "gpu" | "cpu";
export type GpuVendor = "nvidia" | "amd";

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

export interface Reservation {
  name: string;
  /** Owner project of a shared reservation. */
  project?: string;
}

export interface ResolveOptions {
  /** GPUs per pod when the string has no ":N" suffix (default 1). Ignored for TPUs unless it conflicts. */
  count?: number;
  /** Vendor for the generic "gpu" string (default nvidia). */
  vendor?: GpuVendor;
  spot?: boolean;
  reservation?: Reservation;
}

export interface ResolvedAccelerator {
  kind: AcceleratorKind;
  /** Canonical name: "cpu", "tpu-v6e-8", "nvidia-l4", "gpu" (any model). */
  name: string;
  resourceName: AcceleratorResourceName | null;
  /** Extended-resource limit per pod (0 for cpu). */
  countPerPod: number;
  /** Pods per worker: one per TPU VM; 1 for GPU and cpu. */
  hosts: number;
  nodeSelector: Record<string, string>;
  /** Tolerations for the accelerator taint and capacity taints (spot). */
  tolerations: Toleration[];
  machineType: string | null;
  topology?: string;
  /** Chips in the whole slice (TPU only). */
  chips?: number;
  /** Largest countPerPod one node of this type offers. */
  maxPerNode: number;
}

const CPU: ResolvedAccelerator = {
  kind: "cpu",
  name: "cpu",
  resourceName: null,
  countPerPod: 0,
  hosts: 1,
  nodeSelector: {},
  tolerations: [],
  machineType: null,
  maxPerNode: 0,
};

/** Every canonical accelerator string (for help text and close-match suggestions). */
export function knownAccelerators(): string[] {
  const names = ["cpu", "gpu"];
  for (const family of TPU_CATALOG) for (const s of tpuSizes(family)) names.push(tpuCanonical(family, s.suffix));
  for (const gpu of GPU_CATALOG) names.push(gpu.name);
  return names;
}

function aliasTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (const family of TPU_CATALOG) {
    for (const s of tpuSizes(family)) {
      const canonical = tpuCanonical(family, s.suffix);
      for (const f of [family.family, ...family.aliases]) {
        table.set(`${f}-${s.suffix}`, canonical);
        table.set(`tpu-${f}-${s.suffix}`, canonical);
      }
    }
  }
  for (const gpu of GPU_CATALOG) for (const a of [gpu.name, ...gpu.aliases]) table.set(a, gpu.name);
  return table;
}

function unknown(input: string, detail?: string): KineticError {
  const suggestions = closeMatches(input);
  const hint = suggestions.length
    ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?`
    : `; known kinds: cpu, gpu, ${GPU_CATALOG.map((g) => g.name).join(", ")}, and TPU slices like tpu-v6e-8, tpu-v5litepod-16, tpu-v5p-8, tpu-v4-8, tpu7x-8`;
  const message = `unknown accelerator "${input}"${detail ? ` (${detail})` : ""}${hint}`;
  return new KineticError("unknown-accelerator", message, { issues: [{ field: "accelerator", message }] });
}

function invalidCount(message: string, field = "gpus"): KineticError {
  return new KineticError("invalid-argument", message, { issues: [{ field, message }] });
}

/** Up to three known accelerator names nearest to the input by edit distance. */
export function closeMatches(input: string, limit = 3): string[] {
  const needle = input.toLowerCase().split(":")[0]!;
  const maxDistance = Math.max(2, Math.ceil(needle.length * 0.35));
  const candidates = new Map<string, number>();
  for (const [alias, canonical] of aliasTable()) {
    const d = distance(needle, alias);
    if (d <= maxDistance && d < (candidates.get(canonical) ?? Infinity)) candidates.set(canonical, d);
  }
  for (const k of ["cpu", "gpu"]) {
    const d = distance(needle, k);
    if (d <= 1) candidates.set(k, d);
  }
  return [...candidates.entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([name]) => name);
}

function capacitySelectors(opts: ResolveOptions): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
  const nodeSelector: Record<string, string> = {};
  const tolerations: Toleration[] = [];
  if (opts.spot) {
    nodeSelector[SPOT_LABEL] = "true";
    // Standard clusters taint Spot pools only when an admin asks; tolerating is harmless either way.
    tolerations.push({ key: SPOT_LABEL, operator: "Equal", value: "true", effect: "NoSchedule" });
  }
  if (opts.reservation) {
    nodeSelector[RESERVATION_NAME_LABEL] = opts.reservation.name;
    nodeSelector[RESERVATION_AFFINITY_LABEL] = "specific";
    if (opts.reservation.project) nodeSelector[RESERVATION_PROJECT_LABEL] = opts.reservation.project;
  }
  return { nodeSelector, tolerations };
}

function resolveTpu(input: string, family: TpuFamily, suffixText: string, opts: ResolveOptions): ResolvedAccelerator {
  const sizes = tpuSizes(family);
  const size = /x/.test(suffixText)
    ? sizes.find((s) => s.topology === suffixText)
    : sizes.find((s) => s.suffix === Number(suffixText));
  if (!size) {
    const offered = sizes.map((s) => s.suffix).join(", ");
    throw unknown(input, `${family.family} slices come in sizes ${offered}`);
  }
  if (opts.count !== undefined && opts.count !== size.chipsPerVm) {
    throw invalidCount(
      `${tpuCanonical(family, size.suffix)} takes ${size.chipsPerVm} chips per host; a TPU pod must claim every chip of its host, so "gpus" cannot be set for TPUs`,
    );
  }
  const capacity = capacitySelectors(opts);
  return {
    kind: "tpu",
    name: tpuCanonical(family, size.suffix),
    resourceName: TPU_RESOURCE,
    countPerPod: size.chipsPerVm,
    hosts: size.hosts,
    nodeSelector: {
      [TPU_ACCELERATOR_LABEL]: family.gkeAccelerator,
      [TPU_TOPOLOGY_LABEL]: size.topology,
      ...capacity.nodeSelector,
    },
    tolerations: [{ key: TPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }, ...capacity.tolerations],
    machineType: size.machineType,
    topology: size.topology,
    chips: size.chips,
    maxPerNode: size.chipsPerVm,
  };
}

/** The GPU count and which field it came from (for error messages). */
function gpuCount(input: string, suffix: string | undefined, opts: ResolveOptions): { count: number; field: string } {
  if (suffix !== undefined) {
    if (!/^[1-9]\d*$/.test(suffix))
      throw invalidCount(`accelerator "${input}": the count after ':' must be a positive integer`, "accelerator");
    const n = Number(suffix);
    if (opts.count !== undefined && opts.count !== n)
      throw invalidCount(`accelerator "${input}" asks for ${n} GPUs but gpus is ${opts.count}; give the count once`);
    return { count: n, field: "accelerator" };
  }
  const n = opts.count ?? 1;
  if (!Number.isInteger(n) || n < 1) throw invalidCount(`gpus must be a positive integer (got ${n})`);
  return { count: n, field: "gpus" };
}

function resolveGpu(
  input: string,
  gpu: GpuType,
  suffix: string | undefined,
  opts: ResolveOptions,
): ResolvedAccelerator {
  if (opts.vendor === "amd")
    throw new KineticError("invalid-argument", `gpuVendor "amd" conflicts with the NVIDIA accelerator "${gpu.name}"`, {
      issues: [{ field: "gpuVendor", message: `"amd" conflicts with accelerator "${gpu.name}" (an NVIDIA GPU)` }],
    });
  const { count, field } = gpuCount(input, suffix, opts);
  if (count > gpu.maxPerNode) {
    const biggest = gpu.machineTypes[gpu.machineTypes.length - 1]![1];
    throw invalidCount(
      `${count} × ${gpu.name} cannot fit one pod: the largest node (${biggest}) has at most ${gpu.maxPerNode}; use workers for more nodes`,
      field,
    );
  }
  const machine = gpu.machineTypes.find(([n]) => n >= count)!;
  const capacity = capacitySelectors(opts);
  return {
    kind: "gpu",
    name: gpu.name,
    resourceName: NVIDIA_GPU_RESOURCE,
    countPerPod: count,
    hosts: 1,
    nodeSelector: { [GPU_ACCELERATOR_LABEL]: gpu.name, ...capacity.nodeSelector },
    tolerations: [{ key: NVIDIA_GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }, ...capacity.tolerations],
    machineType: machine[1],
    maxPerNode: gpu.maxPerNode,
  };
}

function resolveGenericGpu(input: string, suffix: string | undefined, opts: ResolveOptions): ResolvedAccelerator {
  const { count, field } = gpuCount(input, suffix, opts);
  if (count > GENERIC_GPU_MAX_PER_NODE)
    throw invalidCount(
      `${count} GPUs cannot fit one pod: no node has more than ${GENERIC_GPU_MAX_PER_NODE}; use workers for more nodes`,
      field,
    );
  const resourceName = opts.vendor === "amd" ? AMD_GPU_RESOURCE : NVIDIA_GPU_RESOURCE;
  const capacity = capacitySelectors(opts);
  return {
    kind: "gpu",
    name: "gpu",
    resourceName,
    countPerPod: count,
    hosts: 1,
    nodeSelector: capacity.nodeSelector,
    tolerations: [{ key: resourceName, operator: "Exists", effect: "NoSchedule" }, ...capacity.tolerations],
    machineType: null,
    maxPerNode: GENERIC_GPU_MAX_PER_NODE,
  };
}

/**
 * Resolve an accelerator string: "cpu", "gpu[:N]", a GPU type ("nvidia-l4",
 * "l4:4", "h100"), or a TPU slice ("tpu-v6e-8", "v5e-16", "v5litepod-16",
 * "tpu-v5p-2x2x4"). Throws KineticError("unknown-accelerator") with close
 * matches for unknown strings, and ("invalid-argument") for bad counts.
 *
 * @example resolveAccelerator("nvidia-l4:4").countPerPod === 4
 */
export function resolveAccelerator(input: string, opts: ResolveOptions = {}): ResolvedAccelerator {
  const text = input.trim().toLowerCase();
  if (text === "cpu" || text === "") {
    if (opts.count) throw invalidCount(`gpus is ${opts.count} but the accelerator is "cpu"; name a GPU type or "gpu"`);
    const capacity = capacitySelectors(opts);
    return { ...CPU, nodeSelector: capacity.nodeSelector, tolerations: capacity.tolerations };
  }
  const [base, suffix, ...rest] = text.split(":");
  if (rest.length > 0 || base === undefined) throw unknown(input);
  if (base === "gpu") return resolveGenericGpu(input, suffix, opts);
  const gpu = GPU_CATALOG.find((g) => g.name === base || g.aliases.includes(base));
  if (gpu) return resolveGpu(input, gpu, suffix, opts);
  if (suffix !== undefined) throw unknown(input, "only GPU strings take a ':N' count");
  const tpu = /^(?:tpu-?)?(v4|v5litepod|v5lite|v5e|v5p|v6e|7x|tpu7x|ironwood)-(\d+|\d+(?:x\d+)+)$/.exec(base);
  if (tpu) {
    const familyText = tpu[1]!;
    const family = TPU_CATALOG.find((f) => f.family === familyText || f.aliases.includes(familyText))!;
    return resolveTpu(input, family, tpu[2]!, opts);
  }
  throw unknown(input);
}
