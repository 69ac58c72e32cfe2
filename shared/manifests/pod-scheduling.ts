/**
 * The operator config's pod-level scheduling settings, applied by the
 * renderer: `scheduling.kubeSchedulerName` becomes spec.schedulerName (the
 * default scheduler is left implicit, so manifests stay as they were), and a
 * pod that requests GPUs tolerates `nodes.defaultGpuTaintKey` (GKE taints GPU
 * pools `nvidia.com/gpu=present:NoSchedule`; its ExtendedResourceToleration
 * admission adds the same toleration for the resource key, but a custom taint
 * key needs it spelled out).
 */
import type { Toleration } from "../accelerators/resolve.ts";

export interface PodScheduling {
  /** spec.schedulerName; "default-scheduler" or unset leaves the field out. */
  schedulerName?: string;
  /** Taint key GPU nodes carry; GPU pods get an Exists/NoSchedule toleration for it. */
  gpuTaintKey?: string;
  /** Extended resource that marks a pod as a GPU pod (besides a GPU accelerator string). */
  gpuResourceKey?: string;
}

export const DEFAULT_SCHEDULER = "default-scheduler";

export function schedulerNameField(s: PodScheduling | undefined): { schedulerName?: string } {
  const name = s?.schedulerName;
  return name && name !== DEFAULT_SCHEDULER ? { schedulerName: name } : {};
}

/** True when the pod asks for GPUs: a GPU accelerator, or the GPU resource in its requests or limits. */
export function requestsGpu(
  accKind: string,
  resources: { requests?: Record<string, unknown>; limits?: Record<string, unknown> },
  gpuResourceKey: string | undefined,
): boolean {
  if (accKind === "gpu") return true;
  if (!gpuResourceKey) return false;
  return gpuResourceKey in (resources.requests ?? {}) || gpuResourceKey in (resources.limits ?? {});
}

/** `base` plus the GPU taint toleration when the pod needs it and has no equal one already. */
export function withGpuToleration(base: Toleration[], s: PodScheduling | undefined, gpuPod: boolean): Toleration[] {
  const key = s?.gpuTaintKey;
  if (!key || !gpuPod) return base;
  const covered = base.some(
    (t) => t.key === key && t.operator === "Exists" && (t.effect === undefined || t.effect === "NoSchedule"),
  );
  return covered ? base : [...base, { key, operator: "Exists", effect: "NoSchedule" }];
}
