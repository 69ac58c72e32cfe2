/**
 * The accelerator catalog as data: TPU families (GKE slice types, VM shapes,
 * topologies) and GPU types (GKE accelerator labels, machine shapes, max per
 * node), from accelerators-and-scheduling.md sections 1–2. The rules that turn
 * a user string into pods live in resolve.ts; nothing here is computed per job.
 */

export const TPU_RESOURCE = "google.com/tpu";
export const NVIDIA_GPU_RESOURCE = "nvidia.com/gpu";
export const AMD_GPU_RESOURCE = "amd.com/gpu";
export type AcceleratorResourceName = typeof TPU_RESOURCE | typeof NVIDIA_GPU_RESOURCE | typeof AMD_GPU_RESOURCE;

export const TPU_ACCELERATOR_LABEL = "cloud.google.com/gke-tpu-accelerator";
export const TPU_TOPOLOGY_LABEL = "cloud.google.com/gke-tpu-topology";
export const GPU_ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator";
export const SPOT_LABEL = "cloud.google.com/gke-spot";
export const RESERVATION_NAME_LABEL = "cloud.google.com/reservation-name";
export const RESERVATION_AFFINITY_LABEL = "cloud.google.com/reservation-affinity";
export const RESERVATION_PROJECT_LABEL = "cloud.google.com/reservation-project";

export const TPU_FAMILIES = ["v4", "v5litepod", "v5p", "v6e", "tpu7x"] as const;
export type TpuFamilyName = (typeof TPU_FAMILIES)[number];

export interface TpuShape {
  topology: string;
  machineType: string;
}

export interface TpuFamily {
  family: TpuFamilyName;
  /** Other spellings users type for the family ("v5e" for v5litepod). */
  aliases: readonly string[];
  /** Value of cloud.google.com/gke-tpu-accelerator. */
  gkeAccelerator: string;
  /** v4, v5p and tpu7x name slices by TensorCores (2 per chip); v5e and v6e by chips. */
  suffixCounts: "chips" | "cores";
  /** Single-host shapes keyed by chip count (the whole slice is one VM). */
  singleHost: Readonly<Record<number, TpuShape>>;
  /** The 4-chip VM every multi-host slice of the family is built from. */
  multiHostMachineType: string;
  /** First and last multi-host topology; the ones between follow the doubling rule in resolve.ts. */
  multiHostFrom: string;
  multiHostTo: string;
  /** Extra multi-host topologies outside the doubling sequence. */
  multiHostExtra?: readonly string[];
}

/** Chips on every VM of a multi-host slice. */
export const MULTI_HOST_CHIPS_PER_VM = 4;

export const TPU_CATALOG: readonly TpuFamily[] = [
  {
    family: "v4",
    aliases: [],
    gkeAccelerator: "tpu-v4-podslice",
    suffixCounts: "cores",
    singleHost: { 4: { topology: "2x2x1", machineType: "ct4p-hightpu-4t" } },
    multiHostMachineType: "ct4p-hightpu-4t",
    multiHostFrom: "2x2x2",
    multiHostTo: "16x16x16",
  },
  {
    family: "v5litepod",
    aliases: ["v5e", "v5lite"],
    gkeAccelerator: "tpu-v5-lite-podslice",
    suffixCounts: "chips",
    singleHost: {
      1: { topology: "1x1", machineType: "ct5lp-hightpu-1t" },
      4: { topology: "2x2", machineType: "ct5lp-hightpu-4t" },
      // Decision 1: "-8" is the single-host 8-chip VM, not two 4-chip hosts.
      8: { topology: "2x4", machineType: "ct5lp-hightpu-8t" },
    },
    multiHostMachineType: "ct5lp-hightpu-4t",
    multiHostFrom: "4x4",
    multiHostTo: "16x16",
  },
  {
    family: "v5p",
    aliases: [],
    gkeAccelerator: "tpu-v5p-slice",
    suffixCounts: "cores",
    singleHost: { 4: { topology: "2x2x1", machineType: "ct5p-hightpu-4t" } },
    multiHostMachineType: "ct5p-hightpu-4t",
    multiHostFrom: "2x2x2",
    multiHostTo: "16x16x16",
    multiHostExtra: ["16x16x24"],
  },
  {
    family: "v6e",
    aliases: [],
    gkeAccelerator: "tpu-v6e-slice",
    suffixCounts: "chips",
    singleHost: {
      1: { topology: "1x1", machineType: "ct6e-standard-1t" },
      4: { topology: "2x2", machineType: "ct6e-standard-4t" },
      8: { topology: "2x4", machineType: "ct6e-standard-8t" },
    },
    multiHostMachineType: "ct6e-standard-4t",
    multiHostFrom: "4x4",
    multiHostTo: "16x16",
  },
  {
    family: "tpu7x",
    aliases: ["7x", "ironwood"],
    gkeAccelerator: "tpu7x",
    suffixCounts: "cores",
    singleHost: { 4: { topology: "2x2x1", machineType: "tpu7x-standard-4t" } },
    // Only tpu7x-8 is in the reference table; larger slices follow the 3-D cube
    // rule shared with v4/v5p (unverified on a primary GKE page).
    multiHostMachineType: "tpu7x-standard-4t",
    multiHostFrom: "2x2x2",
    multiHostTo: "16x16x16",
  },
];

export interface GpuType {
  /** Value of cloud.google.com/gke-accelerator, and Kinetic's canonical name. */
  name: string;
  aliases: readonly string[];
  /** Machine shapes by GPUs per VM, smallest first; a pod asking for n GPUs lands on the first with ≥ n. */
  machineTypes: ReadonlyArray<readonly [gpus: number, machineType: string]>;
  maxPerNode: number;
}

// N1 GPUs attach to any N1 size; the n1-standard sizes listed are one sensible
// host per count, reported for display only (the scheduler matches on the label).
export const GPU_CATALOG: readonly GpuType[] = [
  {
    name: "nvidia-tesla-t4",
    aliases: ["t4", "nvidia-t4", "tesla-t4"],
    machineTypes: [
      [1, "n1-standard-8"],
      [2, "n1-standard-16"],
      [4, "n1-standard-32"],
    ],
    maxPerNode: 4,
  },
  {
    name: "nvidia-tesla-v100",
    aliases: ["v100", "nvidia-v100", "tesla-v100"],
    machineTypes: [
      [1, "n1-standard-8"],
      [2, "n1-standard-16"],
      [4, "n1-standard-32"],
      [8, "n1-standard-64"],
    ],
    maxPerNode: 8,
  },
  {
    name: "nvidia-l4",
    aliases: ["l4"],
    // XPK's l4-1/2/4/8 shapes.
    machineTypes: [
      [1, "g2-standard-12"],
      [2, "g2-standard-24"],
      [4, "g2-standard-48"],
      [8, "g2-standard-96"],
    ],
    maxPerNode: 8,
  },
  {
    name: "nvidia-tesla-a100",
    aliases: ["a100", "a100-40gb", "nvidia-a100", "nvidia-a100-40gb", "tesla-a100"],
    machineTypes: [
      [1, "a2-highgpu-1g"],
      [2, "a2-highgpu-2g"],
      [4, "a2-highgpu-4g"],
      [8, "a2-highgpu-8g"],
      [16, "a2-megagpu-16g"],
    ],
    maxPerNode: 16,
  },
  {
    name: "nvidia-a100-80gb",
    aliases: ["a100-80gb"],
    machineTypes: [
      [1, "a2-ultragpu-1g"],
      [2, "a2-ultragpu-2g"],
      [4, "a2-ultragpu-4g"],
      [8, "a2-ultragpu-8g"],
    ],
    maxPerNode: 8,
  },
  {
    name: "nvidia-h100-80gb",
    aliases: ["h100", "h100-80gb", "nvidia-h100"],
    machineTypes: [
      [1, "a3-highgpu-1g"],
      [2, "a3-highgpu-2g"],
      [4, "a3-highgpu-4g"],
      [8, "a3-highgpu-8g"],
    ],
    maxPerNode: 8,
  },
  {
    name: "nvidia-h100-mega-80gb",
    aliases: ["h100-mega", "h100-mega-80gb", "nvidia-h100-mega"],
    machineTypes: [[8, "a3-megagpu-8g"]],
    maxPerNode: 8,
  },
  {
    name: "nvidia-h200-141gb",
    aliases: ["h200", "h200-141gb", "nvidia-h200"],
    machineTypes: [[8, "a3-ultragpu-8g"]],
    maxPerNode: 8,
  },
  {
    name: "nvidia-b200",
    aliases: ["b200"],
    machineTypes: [[8, "a4-highgpu-8g"]],
    maxPerNode: 8,
  },
  {
    name: "nvidia-gb200",
    aliases: ["gb200"],
    machineTypes: [[4, "a4x-highgpu-4g"]],
    maxPerNode: 4,
  },
];

/** Any-model GPUs ("gpu", or `gpus` with no accelerator): no model selector; the largest node holds 16. */
export const GENERIC_GPU_MAX_PER_NODE = 16;
