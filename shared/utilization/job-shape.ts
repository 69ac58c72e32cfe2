/**
 * What a running job holds, read off its stored (normalised) spec: which
 * accelerator (GKE accelerator type, resource, count per pod, TPU topology,
 * Spot), how many pods, its soft duration; and the index that maps the pods
 * a metric names back to the job that owns them.
 */
import { resolveAccelerator } from "../accelerators/index.ts";
import type { JobDoc } from "../store/job-store.ts";
import { durationSeconds } from "../schemas/duration.ts";

export interface AcceleratorJob {
  job: JobDoc;
  kind: "gpu" | "tpu";
  /** Canonical accelerator ("nvidia-h100-80gb", "tpu-v6e-8"): GKE's node type, what preemption matches on. */
  accelerator: string;
  resourceName: string;
  countPerPod: number;
  /** Pods of the whole job: hosts per worker × workers. */
  pods: number;
  topology?: string;
  spot: boolean;
  /** The spec's soft duration, in ms. */
  durationMs?: number;
}

/** The job's accelerator shape, or undefined for CPU jobs and specs that no longer resolve. */
export function acceleratorShape(job: JobDoc): AcceleratorJob | undefined {
  const spec = (job.spec ?? {}) as {
    accelerator?: string;
    gpus?: number;
    gpuVendor?: "nvidia" | "amd";
    spot?: boolean;
    workers?: number;
    duration?: string;
    resources?: { limits?: Record<string, string> };
  };
  const name = spec.accelerator ?? job.accelerator;
  if (!name || name === "cpu") return undefined;
  try {
    const limits = spec.resources?.limits ?? {};
    const advanced = Number(limits["nvidia.com/gpu"] ?? limits["amd.com/gpu"] ?? NaN);
    const count = spec.gpus ?? (Number.isInteger(advanced) && advanced > 0 ? advanced : undefined);
    const acc = resolveAccelerator(name, {
      ...(count !== undefined && !name.startsWith("tpu") ? { count } : {}),
      ...(spec.gpuVendor ? { vendor: spec.gpuVendor } : {}),
    });
    if (acc.kind === "cpu" || !acc.resourceName) return undefined;
    return {
      job,
      kind: acc.kind,
      accelerator: acc.name,
      resourceName: acc.resourceName,
      countPerPod: acc.countPerPod,
      pods: acc.hosts * (spec.workers ?? 1),
      ...(acc.topology ? { topology: acc.topology } : {}),
      spot: spec.spot === true,
      ...(spec.duration ? { durationMs: durationSeconds(spec.duration) * 1000 } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Pods → jobs. A Job's pods are named `<workload>-<suffix>` and a JobSet's
 * `<workload>-<replicated job>-<i>-<j>-<suffix>`, so a pod belongs to the
 * running job whose workload name is its longest `-`-bounded prefix in the
 * same namespace.
 */
export class PodIndex {
  private readonly byWorkload = new Map<string, AcceleratorJob>();

  constructor(jobs: AcceleratorJob[]) {
    for (const j of jobs) {
      const w = j.job.workload;
      if (w) this.byWorkload.set(`${w.namespace}/${w.name}`, j);
    }
  }

  jobOf(namespace: string, pod: string): AcceleratorJob | undefined {
    for (let cut = pod.lastIndexOf("-"); cut > 0; cut = pod.lastIndexOf("-", cut - 1)) {
      const hit = this.byWorkload.get(`${namespace}/${pod.slice(0, cut)}`);
      if (hit) return hit;
    }
    return undefined;
  }
}
