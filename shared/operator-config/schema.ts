/**
 * The operator config: Kaiwo's KaiwoConfig (silogen/kaiwo
 * apis/config/v1alpha1/kaiwoconfig_types.go) as one live-tunable document,
 * with its defaults and validation, adapted to GKE:
 *
 * - nodes.defaultGpuResourceKey and nodes.defaultGpuTaintKey default to
 *   `nvidia.com/gpu` (GKE's GPU resource and the taint it puts on GPU pools),
 *   not Kaiwo's `amd.com/gpu` / `kaiwo.silogen.ai/gpu`.
 * - scheduling.kubeSchedulerName defaults to `default-scheduler` (GKE has no
 *   `kaiwo-scheduler` profile); pods name it only when it is something else.
 * - Kaiwo's `storage` section is `data` here; `ray.defaultRayImage` is
 *   Ray's CUDA image rather than a ROCm one.
 * - resourceMonitoring.profile also takes `tpu` and `all`; `warmUp` and
 *   `window` are Kinetic's (no data / too few samples is never idle).
 * - gpuPreemption and defaultTopologyName are not carried over: Kinetic's
 *   preemption is the duration/pending one, and topology comes from the
 *   accelerator catalog.
 *
 * Stored sparse (only what an operator set); `resolveOperatorConfig` fills the
 * defaults on read, so a default changed in code reaches every deployment.
 */
import { z } from "zod";
import { checkedString, Image, LabelSafeName, Namespace } from "../schemas/job-spec-fields.ts";
import { byteQuantityError } from "../schemas/quantities.ts";
import { qualifiedNameError } from "../schemas/k8s-names.ts";

/** Kaiwo's duration pattern: one or more <digits><s|m|h>, e.g. "90s", "1h30m". */
export const DURATION_PATTERN = /^([0-9]+(s|m|h))+$/;

const Duration = z.string().regex(DURATION_PATTERN, 'must be a duration like "30s", "5m", "1h30m" (units s, m, h)');
const AbsolutePath = z.string().regex(/^\/\S*$/, "must be an absolute path");
const ResourceKey = checkedString((v) => qualifiedNameError(v));
const HeadMemory = checkedString(byteQuantityError);

export const RayConfig = z.strictObject({
  /** Image of Ray workloads that name none. */
  defaultRayImage: Image.default("rayproject/ray:latest-gpu"),
  /** Memory requested by the Ray head pod. */
  headPodMemory: HeadMemory.default("16Gi"),
});

/** Kaiwo's `storage`: mounts and storage class for data and model caches. */
export const DataConfig = z.strictObject({
  /** StorageClass of volumes that name none; unset = the cluster's default StorageClass. */
  defaultStorageClass: LabelSafeName.optional(),
  /** Where data and downloads are mounted in workload pods. */
  defaultDataMountPath: AbsolutePath.default("/workload"),
  /** Where the Hugging Face cache is mounted; HF_HOME is set to it. */
  defaultHfMountPath: AbsolutePath.default("/hf_cache"),
});

export const NodesConfig = z.strictObject({
  /** Extended resource GPUs are requested with (`nvidia.com/gpu` on GKE). */
  defaultGpuResourceKey: ResourceKey.default("nvidia.com/gpu"),
  /** Taint key of GPU nodes; GPU pods tolerate it (GKE: `nvidia.com/gpu=present:NoSchedule`). */
  defaultGpuTaintKey: ResourceKey.default("nvidia.com/gpu"),
  /** Kept for parity with Kaiwo; GKE never shows control-plane nodes, so it changes nothing there. */
  excludeMasterNodesFromNodePools: z.boolean().default(false),
  /** Kaiwo tainted GPU nodes itself; on GKE node pools carry their taints, so Kinetic never taints nodes. */
  addTaintsToGpuNodes: z.boolean().default(false),
});

export const SchedulingConfig = z.strictObject({
  /** spec.schedulerName of rendered pods; `default-scheduler` leaves it unset. */
  kubeSchedulerName: LabelSafeName.default("default-scheduler"),
  /** A job pending (unschedulable or queued) this long, counted from when it started pending, may preempt overdue jobs. */
  pendingThresholdForPreemption: Duration.default("5m"),
});

export const MONITORING_PROFILES = ["gpu", "tpu", "all"] as const;

/**
 * Live monitoring settings. Monitoring on/off, the metrics endpoint and the
 * polling interval are startup-only environment settings (runtime-settings.ts).
 */
export const ResourceMonitoringConfig = z.strictObject({
  /** Percent utilisation below which a device counts as idle. */
  lowUtilizationThreshold: z.number().min(0, "must be at least 0").max(100, "must be at most 100").default(1),
  /** Namespaces monitored; empty = every namespace Kinetic runs jobs in. */
  targetNamespaces: z.array(Namespace).max(1000).default([]),
  /** Which accelerators are monitored: Kaiwo's "gpu", or Kinetic's "tpu" / "all". */
  profile: z.enum(MONITORING_PROFILES, { error: `must be one of ${MONITORING_PROFILES.join(", ")}` }).default("gpu"),
  /** Stop jobs idle longer than terminateUnderutilizedAfter (Kaiwo's CRD default: false). */
  terminateUnderutilized: z.boolean().default(false),
  terminateUnderutilizedAfter: Duration.default("24h"),
  /** Kinetic: a job's first minutes after it starts running are never judged. */
  warmUp: Duration.default("10m"),
  /** Kinetic: idle needs a full window of samples, all below the threshold. */
  window: Duration.default("10m"),
});

export const OperatorConfigSchema = z.strictObject({
  ray: RayConfig.prefault({}),
  data: DataConfig.prefault({}),
  nodes: NodesConfig.prefault({}),
  scheduling: SchedulingConfig.prefault({}),
  resourceMonitoring: ResourceMonitoringConfig.prefault({}),
  /** ClusterQueue of jobs that name no queue; each namespace gets a LocalQueue of the same name pointing at it. */
  defaultClusterQueueName: LabelSafeName.default("kinetic"),
  /** Cohort of the default ClusterQueue (ClusterQueues in a cohort borrow from each other). */
  defaultClusterQueueCohortName: LabelSafeName.default("kinetic"),
  /** Recompute the default ClusterQueue's quota from the live nodes' allocatable accelerators. */
  dynamicallyUpdateDefaultClusterQueue: z.boolean().default(false),
});

/** The effective config: every field present. */
export type OperatorConfig = z.output<typeof OperatorConfigSchema>;
/** What an operator sets: any subset, validated like the whole. */
export type OperatorConfigInput = z.input<typeof OperatorConfigSchema>;
export type ResourceMonitoring = OperatorConfig["resourceMonitoring"];
export type Scheduling = OperatorConfig["scheduling"];
export type DataSettings = OperatorConfig["data"];

export interface ConfigIssue {
  field: string;
  message: string;
}

export type ValidationResult =
  { ok: true; config: OperatorConfig; input: OperatorConfigInput } | { ok: false; issues: ConfigIssue[] };

/** Validates a whole (sparse) config: every problem, each naming its field. */
export function validateOperatorConfig(input: unknown): ValidationResult {
  const parsed = OperatorConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i): ConfigIssue[] => {
      const base = i.path.map(String).join(".");
      if (i.code === "unrecognized_keys")
        return i.keys.map((k) => ({ field: base ? `${base}.${k}` : k, message: "unknown field" }));
      return [{ field: base || "(config)", message: i.message }];
    });
    return { ok: false, issues };
  }
  return { ok: true, config: parsed.data, input: input as OperatorConfigInput };
}

/** The effective config of a stored (already valid) sparse document. */
export function resolveOperatorConfig(input: unknown): OperatorConfig {
  return OperatorConfigSchema.parse(input ?? {});
}

export const DEFAULT_OPERATOR_CONFIG: OperatorConfig = resolveOperatorConfig({});

/** Milliseconds of a duration string ("1h30m" → 5400000); throws on a malformed one. */
export function durationMs(duration: string): number {
  if (!DURATION_PATTERN.test(duration)) throw new Error(`malformed duration ${JSON.stringify(duration)}`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
  let total = 0;
  for (const m of duration.matchAll(/([0-9]+)(s|m|h)/g)) total += Number(m[1]) * unit[m[2] as keyof typeof unit];
  return total;
}
