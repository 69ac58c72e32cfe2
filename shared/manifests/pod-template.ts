/**
 * The pod template of a rendered workload: the one container with its env
 * (Kinetic's contract variables, then the pod extras of ./pod-extras.ts, then
 * the spec's own), resources, volumes and mounts, init steps, node selection
 * and tolerations. Pure, like ./render.ts, which wraps it in a Job or JobSet.
 */
import { KineticError } from "../errors.ts";
import type { ResolvedAccelerator } from "../accelerators/resolve.ts";
import type { JobSpec } from "../schemas/job-spec.ts";
import { jobOutputDir } from "../outputs/prefix.ts";
import type { StorageDefaults } from "../outputs/storage-defaults.ts";
import { workloadName } from "./names.ts";
import { extraEnv, extraVolumes, initContainers, type PodExtrasInput } from "./pod-extras.ts";
import { requestsGpu, schedulerNameField, withGpuToleration, type PodScheduling } from "./pod-scheduling.ts";

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

export const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
export const JOBSET_JOB_INDEX_ANNOTATION = "jobset.sigs.k8s.io/job-index";
export const REPLICATED_JOB_NAME = "worker";
export const CONTAINER_NAME = "main";

export function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function nonEmpty<T extends object>(key: string, value: T | undefined): Record<string, T> {
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

export interface Shape {
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

export function podTemplate(
  jobId: string,
  spec: JobSpec,
  shape: Shape,
  labels: Record<string, string>,
  opts: RenderOptions,
) {
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
