/**
 * Job spec → the Kubernetes object Kinetic submits. One pod per host: a
 * single-host job with one worker is a batch/v1 Job; multi-host TPU slices
 * and workers > 1 become a JobSet with one replicated Job ("worker", one
 * replica per worker, parallelism = completions = hosts).
 *
 * Failure semantics: backoffLimit 0 and a podFailurePolicy (any non-zero exit
 * fails the job; a disruption such as Spot preemption is ignored so the pod is
 * recreated); a JobSet fails when any child fails (maxRestarts 0). The time
 * limit is Job-level activeDeadlineSeconds, on every child Job of a JobSet,
 * never on the pod, so time spent pending is not charged to the run.
 *
 * Queueing: with `queue`, the object carries kueue.x-k8s.io/queue-name and is
 * created suspended; `priority` becomes kueue.x-k8s.io/priority-class. Without
 * a queue, `priority` is the pod's priorityClassName.
 *
 * Rendering is pure: same input, byte-identical output (no randomness, no
 * clock unless opts.now is passed).
 */
import type { Workload, WorkloadRef } from "../cluster/types.ts";
import { KineticError } from "../errors.ts";
import { resolveAccelerator, type ResolvedAccelerator } from "../accelerators/resolve.ts";
import type { JobSpec } from "../schemas/job-spec.ts";
import { labelValueError, qualifiedNameError, sanitizeLabelValue } from "../schemas/k8s-names.ts";
import { workloadName } from "./names.ts";
import { ACCELERATOR_LABEL, JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../cluster/labels.ts";
import { jobOutputDir } from "../outputs/prefix.ts";
import type { StorageDefaults } from "../outputs/storage-defaults.ts";
import { attemptWorkloadName } from "./attempt-names.ts";
import { ATTEMPT_LABEL, extraEnv, extraVolumes, initContainers, type PodExtrasInput } from "./pod-extras.ts";
import { requestsGpu, schedulerNameField, withGpuToleration, type PodScheduling } from "./pod-scheduling.ts";

export { workloadName, WORKLOAD_NAME_MAX } from "./names.ts";

export interface RenderOptions {
  /** Output prefix when the spec has none: the job's dir is `<prefix>/<namespace>/<jobId>/`. */
  outputDirBase?: string;
  /** Which attempt this is (1 unless a preemption restarted the job): KINETIC_ATTEMPT and the workload's name. */
  attempt?: number;
  /** Storage defaults of the operator configuration (mount paths, storage class). */
  storage?: StorageDefaults;
  /** ttlSecondsAfterFinished when the spec sets none. */
  defaultTtlSeconds?: number;
  /** The operator config's scheduler name and GPU taint (./pod-scheduling.ts). */
  scheduling?: PodScheduling;
  /** Stamped as the kinetic.dev/submitted-at annotation when given. */
  now?: Date;
}

export const ANNOTATION_JOB_ID = "kinetic.dev/job-id";
export const ANNOTATION_SUBMITTED_AT = "kinetic.dev/submitted-at";
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
export const KUEUE_PRIORITY_LABEL = "kueue.x-k8s.io/priority-class";
export const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
export const JOBSET_JOB_INDEX_ANNOTATION = "jobset.sigs.k8s.io/job-index";
export const EXCLUSIVE_TOPOLOGY_ANNOTATION = "alpha.jobset.sigs.k8s.io/exclusive-topology";
export const REPLICATED_JOB_NAME = "worker";
export const CONTAINER_NAME = "main";

/** True when the job needs a JobSet: a multi-host slice or more than one worker. */
export function needsJobSet(spec: Pick<JobSpec, "workers">, acc: Pick<ResolvedAccelerator, "hosts">): boolean {
  return acc.hosts > 1 || spec.workers > 1;
}

function resolveSpec(spec: JobSpec): ResolvedAccelerator {
  return resolveAccelerator(spec.accelerator, {
    count: spec.gpus,
    vendor: spec.gpuVendor,
    spot: spec.spot,
    reservation: spec.reservation,
  });
}

/** Where a job's workload lives, without rendering it. */
export function workloadRef(jobId: string, spec: JobSpec): WorkloadRef {
  const acc = resolveSpec(spec);
  return { kind: needsJobSet(spec, acc) ? "JobSet" : "Job", name: workloadName(jobId), namespace: spec.namespace };
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function nonEmpty<T extends object>(key: string, value: T | undefined): Record<string, T> {
  if (value === undefined) return {};
  if (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0) return {};
  return { [key]: value };
}

function resourcesFor(spec: JobSpec, acc: ResolvedAccelerator) {
  let requests: Record<string, string>;
  let limits: Record<string, string | number>;
  if (spec.resources) {
    requests = sorted(spec.resources.requests);
    limits = sorted(spec.resources.limits);
  } else {
    requests = {};
    if (spec.cpu) requests.cpu = spec.cpu;
    if (spec.memory) requests.memory = spec.memory;
    if (spec.disk) requests["ephemeral-storage"] = spec.disk;
    limits = spec.qos === "Guaranteed" ? { ...requests } : {};
  }
  // Extended resources: the limit alone; the request defaults to it and must equal it.
  if (acc.resourceName) limits[acc.resourceName] = String(acc.countPerPod);
  return { ...nonEmpty("requests", requests), ...nonEmpty("limits", limits) };
}

function fieldRefEnv(name: string, annotation: string) {
  return { name, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${annotation}']` } } };
}

interface Shape {
  name: string;
  jobSet: boolean;
  acc: ResolvedAccelerator;
}

/** The job's output dir: `<outputDir or the deployment's base>/<namespace>/<jobId>/`. */
export function outputDirOf(jobId: string, spec: Pick<JobSpec, "outputDir" | "namespace">, base?: string) {
  const prefix = spec.outputDir ?? base;
  return prefix ? jobOutputDir(prefix, spec.namespace, jobId) : undefined;
}

function extrasInput(jobId: string, spec: JobSpec, shape: Shape, opts: RenderOptions): PodExtrasInput {
  const outputDir = outputDirOf(jobId, spec, opts.outputDirBase);
  return {
    spec,
    baseName: workloadName(jobId),
    ...(outputDir ? { outputDir } : {}),
    attempt: opts.attempt ?? 1,
    ...(opts.storage ? { storage: opts.storage } : {}),
    ...(shape.jobSet ? { coordinator: coordinatorAddress(shape.name, spec.namespace) } : {}),
  };
}

/** The JobSet headless Service (subdomain = JobSet name) gives worker 0, host 0 this FQDN. */
function coordinatorAddress(name: string, namespace: string): string {
  return `${name}-${REPLICATED_JOB_NAME}-0-0.${name}.${namespace}.svc.cluster.local`;
}

function envFor(jobId: string, spec: JobSpec, shape: Shape, opts: RenderOptions) {
  const { name, jobSet, acc } = shape;
  const outputDir = outputDirOf(jobId, spec, opts.outputDirBase);
  const env: Array<Record<string, unknown>> = [
    { name: "KINETIC_JOB_ID", value: jobId },
    ...(outputDir ? [{ name: "KINETIC_OUTPUT_DIR", value: outputDir }] : []),
    { name: "KINETIC_ACCELERATOR", value: acc.name },
    fieldRefEnv("KINETIC_WORKER_INDEX", jobSet ? JOBSET_JOB_INDEX_ANNOTATION : COMPLETION_INDEX_ANNOTATION),
    { name: "KINETIC_WORKER_COUNT", value: String(spec.workers) },
    fieldRefEnv("KINETIC_HOST_INDEX", COMPLETION_INDEX_ANNOTATION),
    { name: "KINETIC_HOSTS_PER_WORKER", value: String(acc.hosts) },
    { name: "KINETIC_COORDINATOR_ADDRESS", value: jobSet ? coordinatorAddress(name, spec.namespace) : "localhost" },
    ...(spec.port ? [{ name: "KINETIC_COORDINATOR_PORT", value: String(spec.port) }] : []),
    ...extraEnv(extrasInput(jobId, spec, shape, opts)),
  ];
  if (spec.tmpfs?.tempdir && !("TMPDIR" in spec.env)) env.push({ name: "TMPDIR", value: spec.tmpfs.path });
  for (const [k, v] of Object.entries(spec.env)) env.push({ name: k, value: v });
  return env;
}

function volumesFor(spec: JobSpec) {
  const volumes: Array<Record<string, unknown>> = [];
  const mounts: Array<Record<string, unknown>> = [];
  if (spec.sharedMemory) {
    volumes.push({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: spec.sharedMemory } });
    mounts.push({ name: "dshm", mountPath: "/dev/shm" });
  }
  if (spec.tmpfs) {
    volumes.push({ name: "kinetic-tmpfs", emptyDir: { medium: "Memory", sizeLimit: spec.tmpfs.size } });
    mounts.push({ name: "kinetic-tmpfs", mountPath: spec.tmpfs.path });
  }
  Object.entries(sorted(spec.persistentVolumeClaims)).forEach(([claimName, mountPath], i) => {
    volumes.push({ name: `pvc-${i}`, persistentVolumeClaim: { claimName } });
    mounts.push({ name: `pvc-${i}`, mountPath });
  });
  return { volumes, mounts };
}

function podTemplate(jobId: string, spec: JobSpec, shape: Shape, labels: Record<string, string>, opts: RenderOptions) {
  const { acc } = shape;
  // A job with a build is rendered only once its build gave it an image (by digest): see shared/jobs/submit.ts.
  if (!spec.image) throw new KineticError("internal", `job ${jobId} has no image to run yet`);
  const extras = extrasInput(jobId, spec, shape, opts);
  const more = extraVolumes(extras);
  const base = volumesFor(spec);
  const volumes = [...base.volumes, ...more.volumes];
  const mounts = [...base.mounts, ...more.mounts];
  const env = envFor(jobId, spec, shape, opts);
  const inits = initContainers(extras, mounts, env, spec.image);
  const podAnnotations = sorted({ ...spec.annotations, ...more.annotations });
  const container = {
    name: CONTAINER_NAME,
    image: spec.image,
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    ...nonEmpty("command", spec.command),
    ...nonEmpty("args", spec.args),
    env,
    ...nonEmpty(
      "envFrom",
      spec.secrets.map((name) => ({ secretRef: { name } })),
    ),
    ...(spec.port ? { ports: [{ containerPort: spec.port, protocol: "TCP" }] } : {}),
    ...nonEmpty("resources", resourcesFor(spec, acc)),
    ...nonEmpty("volumeMounts", mounts),
    ...nonEmpty("securityContext", spec.securityContext),
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
  const nodeSelector = sorted({
    ...spec.nodeSelector,
    ...(spec.computePool ? { "cloud.google.com/gke-nodepool": spec.computePool } : {}),
    ...acc.nodeSelector,
  });
  return {
    metadata: { labels, ...nonEmpty("annotations", podAnnotations) },
    spec: {
      restartPolicy: "Never",
      ...schedulerNameField(opts.scheduling),
      ...(spec.serviceAccount ? { serviceAccountName: spec.serviceAccount } : {}),
      ...(spec.priority && !spec.queue ? { priorityClassName: spec.priority } : {}),
      ...nonEmpty(
        "imagePullSecrets",
        spec.imagePullSecrets.map((name) => ({ name })),
      ),
      ...nonEmpty("nodeSelector", nodeSelector),
      ...nonEmpty(
        "tolerations",
        withGpuToleration(
          [...acc.tolerations, ...spec.tolerations],
          opts.scheduling,
          requestsGpu(acc.kind, spec.resources ?? {}, opts.scheduling?.gpuResourceKey),
        ),
      ),
      ...nonEmpty("initContainers", inits),
      containers: [container],
      ...nonEmpty("volumes", volumes),
    },
  };
}

function jobSpecFor(spec: JobSpec, hosts: number, template: unknown, suspend: boolean, ttl: number | undefined) {
  return {
    ...(suspend ? { suspend: true } : {}),
    completionMode: "Indexed",
    completions: hosts,
    parallelism: hosts,
    backoffLimit: 0,
    ...(spec.timeoutSeconds ? { activeDeadlineSeconds: spec.timeoutSeconds } : {}),
    ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
    podFailurePolicy: {
      rules: [
        // Spot reclaim, node loss, eviction: counted against backoffLimit 0, so the Job fails with reason
        // BackoffLimitExceeded, which Kinetic reads as a disruption and resumes as the next attempt
        // (KINETIC_ATTEMPT stays truthful); the program's own exit fails with PodFailurePolicy, never retried.
        { action: "Count", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        // Any container, init steps included: a failed download or coordinator wait is not a disruption.
        { action: "FailJob", onExitCodes: { operator: "NotIn", values: [0] } },
      ],
    },
    template,
  };
}

function assertValidLabels(where: string, labels: Record<string, string>) {
  for (const [k, v] of Object.entries(labels)) {
    const reason = qualifiedNameError(k) ?? labelValueError(v);
    if (reason) throw new KineticError("internal", `rendered label ${k} on ${where} is invalid: ${reason}`);
  }
}

/**
 * The Kubernetes TTL controller deletes a finished workload, pods and status
 * included. Below this floor it could do so before syncJobs has read the
 * outcome, and the job would be recorded as lost; cleanupTtl enforces
 * shorter TTLs (and forceCleanup) once the outcome is recorded.
 */
export const MIN_NATIVE_TTL_SECONDS = 600;

function nativeTtl(ttl: number | undefined): number | undefined {
  return ttl === undefined ? undefined : Math.max(ttl, MIN_NATIVE_TTL_SECONDS);
}

/**
 * Renders the workload for a job from its parsed spec (parseJobSpec's
 * output: defaults applied, cross-field rules checked), so a submission is
 * parsed once. The labels are still checked, as the last line of defence
 * against a name Kubernetes would refuse.
 */
export function renderWorkload(jobId: string, spec: JobSpec, opts: RenderOptions = {}): Workload {
  const acc = resolveSpec(spec);
  const attempt = opts.attempt ?? 1;
  const name = attemptWorkloadName(jobId, attempt);
  const jobSet = needsJobSet(spec, acc);
  const shape: Shape = { name, jobSet, acc };
  const ttl = nativeTtl(spec.ttlSecondsAfterFinished ?? opts.defaultTtlSeconds);
  const suspend = spec.queue !== undefined;

  const jobIdLabel = sanitizeLabelValue(jobId);
  const podLabels = {
    ...sorted(spec.labels),
    [JOB_ID_LABEL]: jobIdLabel,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [ACCELERATOR_LABEL]: sanitizeLabelValue(acc.name),
  };
  const objectLabels = {
    ...podLabels,
    ...(attempt > 1 ? { [ATTEMPT_LABEL]: String(attempt) } : {}),
    ...(spec.queue ? { [KUEUE_QUEUE_LABEL]: spec.queue } : {}),
    ...(spec.queue && spec.priority ? { [KUEUE_PRIORITY_LABEL]: spec.priority } : {}),
  };
  const annotations = sorted({
    ...spec.annotations,
    ...(jobIdLabel !== jobId ? { [ANNOTATION_JOB_ID]: jobId } : {}),
    ...(opts.now ? { [ANNOTATION_SUBMITTED_AT]: opts.now.toISOString() } : {}),
    // Each slice of a multi-host TPU job owns a whole node pool.
    ...(jobSet && acc.kind === "tpu" && acc.hosts > 1
      ? { [EXCLUSIVE_TOPOLOGY_ANNOTATION]: "cloud.google.com/gke-nodepool" }
      : {}),
  });
  assertValidLabels(name, objectLabels);

  const metadata = { name, namespace: spec.namespace, labels: objectLabels, ...nonEmpty("annotations", annotations) };
  const template = podTemplate(jobId, spec, shape, podLabels, opts);
  if (!jobSet) {
    return { apiVersion: "batch/v1", kind: "Job", metadata, spec: jobSpecFor(spec, 1, template, suspend, ttl) };
  }
  return {
    apiVersion: "jobset.x-k8s.io/v1alpha2",
    kind: "JobSet",
    metadata,
    spec: {
      ...(suspend ? { suspend: true } : {}),
      ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
      network: { enableDNSHostnames: true },
      // Any worker's failure fails the whole job (decision 5): no set-level restarts. A child failed by a
      // disruption (BackoffLimitExceeded, see jobSpecFor) ends the set as ReachedMaxRestarts, which Kinetic
      // resumes as the next attempt (the whole slice together); anything else is FailJobSet.
      failurePolicy: {
        maxRestarts: 0,
        rules: [
          { name: "disrupted", action: "RestartJobSet", onJobFailureReasons: ["BackoffLimitExceeded"] },
          { name: "failed", action: "FailJobSet" },
        ],
      },
      successPolicy: { operator: "All" },
      replicatedJobs: [
        {
          name: REPLICATED_JOB_NAME,
          replicas: spec.workers,
          template: {
            metadata: { labels: podLabels },
            // The deadline lives on each child Job: a JobSet has none of its own.
            spec: jobSpecFor(spec, acc.hosts, template, false, undefined),
          },
        },
      ],
    },
  };
}
