/**
 * The job spec's fields as a user writes them: every field, its default and
 * its limits. Each field's own checks are in job-spec-fields.ts; rules that
 * span fields are in job-spec-rules.ts; parseJobSpec (job-spec.ts) applies
 * both and the defaults.
 */
import { z } from "zod";
import {
  AbsolutePath,
  Annotations,
  caseInsensitiveEnum,
  CpuQuantity,
  Env,
  Image,
  Labels,
  LabelSafeName,
  Namespace,
  NodeSelector,
  ObjectName,
  OutputDir,
  ReservationSpec,
  Resources,
  SecretName,
  SecurityContext,
  sizeInUnits,
  Tmpfs,
  Toleration,
} from "./job-spec-fields.ts";
import { JobId } from "./job-id.ts";
import { DurationText } from "./duration.ts";
import { MAX_PREEMPTIONS_LIMIT, MountPath, VolumeRequest } from "./job-spec-storage.ts";
import { BuildRequest } from "./build-request.ts";

/**
 * A job's `build`: a build request (shared/builds/request.ts) whose `accelerator` category may be left out — it
 * follows the job's accelerator (cpu, gpu or tpu).
 */
export const JobBuild = BuildRequest.extend({ accelerator: BuildRequest.shape.accelerator.optional() });
export type JobBuild = z.output<typeof JobBuild>;

export const QOS_CLASSES = ["Guaranteed", "Burstable", "BestEffort"] as const;
export type QosClass = (typeof QOS_CLASSES)[number];

/** Defaults applied by parseJobSpec; documented here so the CLI and API docs can print them. */
export const JOB_SPEC_DEFAULTS = {
  accelerator: "cpu",
  image: "python:3.12-slim",
  cpu: "1",
  memory: "4Gi",
  namespace: "default",
  workers: 1,
  qos: "Burstable",
  gpuVendor: "nvidia",
  spot: false,
  /** tmpfs mount path and size (half the memory request, as Metaflow does). */
  tmpfsPath: "/kinetic_tmp",
  tmpfsTempdir: true,
} as const;

/** Bounds: one pod per TPU host times workers; timeouts up to a year. */
export const MAX_WORKERS = 1024;
export const MAX_TIMEOUT_SECONDS = 365 * 24 * 3600;
const INT32_MAX = 2147483647;

/**
 * Size limits, checked before any field (job-spec-limits.ts) so that bad
 * input costs little and every accepted spec fits a job record: Firestore
 * stores at most 1 MiB per document, and the record also holds the job's
 * history. Counts are far above what a training job needs.
 */
export const JOB_SPEC_LIMITS = {
  /** The spec as JSON (UTF-8), both as sent and once normalised (defaults filled). */
  specBytes: 512 * 1024,
  /** Items in each list. */
  command: 256,
  args: 1024,
  secrets: 64,
  imagePullSecrets: 16,
  tolerations: 64,
  /** Entries in each map (env in either form; nodeSelector also as "k=v,…"). */
  env: 1024,
  labels: 64,
  annotations: 128,
  nodeSelector: 32,
  persistentVolumeClaims: 32,
  /** Entries in resources.requests and in resources.limits, each. */
  resources: 32,
} as const;

export const JobSpecInput = z.strictObject({
  /** Client-chosen job id (idempotency); becomes the Firestore doc id and the kinetic.dev/job-id label. */
  id: JobId.optional(),
  /** Container image. Default python:3.12-slim; absent with `build`. */
  image: Image.optional(),
  /**
   * Build the image instead of naming one: the job waits in BUILDING while the build runs (or joins one already
   * running for the same inputs), then runs the built image by digest, or fails with the build's reason and log
   * tail. Not with `image`.
   */
  build: JobBuild.optional(),
  imagePullPolicy: caseInsensitiveEnum(["Always", "IfNotPresent", "Never"]).optional(),
  /** Names of docker-registry Secrets in the namespace. */
  imagePullSecrets: z.array(ObjectName).optional(),
  serviceAccount: ObjectName.optional(),
  command: z.array(z.string().min(1, "must not be empty")).min(1, "must not be empty").optional(),
  args: z.array(z.string()).optional(),
  env: Env.optional(),
  /** Names of Kubernetes Secrets whose keys become env vars (envFrom). Names only, never values. */
  secrets: z.array(SecretName).optional(),

  /** "cpu" (default), "gpu[:N]", a GPU type ("nvidia-l4", "l4:4") or a TPU slice ("tpu-v6e-8", "v5e-16"). */
  accelerator: z.string().min(1, "must not be empty").optional(),
  /** GPUs per pod (simple form). Default 1 for GPU accelerators. */
  gpus: z.number().int("must be a whole number").min(0).optional(),
  /** Metaflow's name for gpus. */
  gpu: z.number().int("must be a whole number").min(0).optional(),
  gpuVendor: caseInsensitiveEnum(["nvidia", "amd"]).optional(),
  /** Run on Spot VMs (node selector cloud.google.com/gke-spot=true). */
  spot: z.boolean().optional(),
  /** Consume a specific reservation: adds reservation node selectors only. */
  reservation: ReservationSpec.optional(),

  /** CPU request, cores ("500m", "2", 2). Default "1". */
  cpu: CpuQuantity.optional(),
  /** Memory request: a quantity ("4Gi"), or Metaflow's whole megabytes (4096 → "4096M"). Default "4Gi". */
  memory: sizeInUnits("M").optional(),
  /** Ephemeral-storage request ("20Gi", or megabytes: 10240 → "10240M"). No default: none requested. */
  disk: sizeInUnits("M").optional(),
  /** Advanced form: raw requests/limits; excludes cpu/memory/disk/gpus. */
  resources: Resources.optional(),
  /** Guaranteed: limits = requests; Burstable (default): requests only; BestEffort: no cpu/memory requests. */
  qos: caseInsensitiveEnum(QOS_CLASSES).optional(),

  /** Identical replicas (each one pod, or one pod per host for multi-host TPU). Default 1. */
  workers: z.number().int("must be a whole number").min(1).max(MAX_WORKERS).optional(),
  /** Wall-clock limit from start (Job activeDeadlineSeconds; queue time does not count). */
  timeoutSeconds: z.number().int("must be a whole number").min(1).max(MAX_TIMEOUT_SECONDS).optional(),
  /**
   * Soft run time ("2h", "1h30m"): past it the job keeps running, but a job waiting longer than the operator
   * config's pendingThresholdForPreemption for the same accelerator may preempt it (demand-aware preemption).
   */
  duration: DurationText.optional(),
  /** Delete the finished workload after this many seconds (default from the deployment). */
  ttlSecondsAfterFinished: z.number().int("must be a whole number").min(0).max(INT32_MAX).optional(),
  /** Delete the workload as soon as the job finishes, ignoring any TTL (Kaptain's forceCleanup). */
  forceCleanup: z.boolean().optional(),
  /** Kueue WorkloadPriorityClass (with queue) or pod PriorityClass (without). */
  priority: LabelSafeName.optional(),
  /** Kueue LocalQueue in the job's namespace; the workload is created suspended. */
  queue: LabelSafeName.optional(),
  namespace: Namespace.optional(),
  nodeSelector: NodeSelector.optional(),
  tolerations: z.array(Toleration).optional(),
  labels: Labels.optional(),
  annotations: Annotations.optional(),
  /** {claimName: mountPath}. */
  persistentVolumeClaims: z
    .record(z.string(), AbsolutePath)
    .superRefine((pvcs, ctx) => {
      for (const claim of Object.keys(pvcs)) {
        const reason = ObjectName.safeParse(claim).error?.issues[0]?.message;
        if (reason) ctx.addIssue({ code: "custom", path: [claim], message: `claim name ${reason}` });
      }
    })
    .optional(),
  /** Size of the memory-backed /dev/shm: a quantity ("2Gi"), or Metaflow's whole mebibytes (1024 → "1024Mi"). */
  sharedMemory: sizeInUnits("Mi").optional(),
  /** tmpfs: true, or {enabled, size, path, tempdir}; size as for sharedMemory (mebibytes when a number). */
  tmpfs: Tmpfs.optional(),
  /** Container port; also KINETIC_COORDINATOR_PORT. */
  port: z.number().int("must be a whole number").min(1).max(65535).optional(),
  /** GKE node pool name (node selector cloud.google.com/gke-nodepool). */
  computePool: LabelSafeName.optional(),
  securityContext: SecurityContext.optional(),
  /** Output prefix (gs://bucket/path; a local path in local mode): outputs go to <outputDir>/<namespace>/<id>/. */
  outputDir: OutputDir.optional(),
  /** Mount the job's output prefix at this path through the GKE Cloud Storage FUSE CSI driver. */
  outputMount: MountPath.optional(),
  /** A data volume (PVC) at the data mount path (default /workload), with optional downloads. */
  data: VolumeRequest.optional(),
  /** A Hugging Face cache volume (PVC) at the cache mount path (default /hf_cache); sets HF_HOME. */
  hfCache: VolumeRequest.optional(),
  /** Preemptions (spot reclaim, node loss) survived, each resuming as the next attempt. Default 3. */
  maxPreemptions: z.number().int("must be a whole number").min(0).max(MAX_PREEMPTIONS_LIMIT).optional(),
  /** Multi-host jobs: seconds each host waits for the coordinator's name to resolve before starting. Default 600. */
  hostnameResolutionTimeoutSeconds: z.number().int("must be a whole number").min(1).max(3600).optional(),
});
export type JobSpecInput = z.input<typeof JobSpecInput>;
/** The input after field checks, before cross-field rules and defaults. */
export type RawJobSpec = z.output<typeof JobSpecInput>;
