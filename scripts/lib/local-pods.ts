/**
 * Turns a rendered Workload (batch/v1 Job or JobSet) into the processes the
 * local runtime starts: one per pod, with the command, env and volumes the
 * manifest gives, resolved for this machine. Pure, so the mapping is
 * unit-tested without spawning anything. Anything a single machine cannot
 * honour (Secrets, PVCs, a job without a command) is refused with a reason.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { KineticError } from "../../shared/errors.ts";
import type { Workload } from "../../shared/cluster/types.ts";

const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
const JOBSET_JOB_INDEX_ANNOTATION = "jobset.sigs.k8s.io/job-index";
const NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** One pod to run as a local process. */
export interface PodPlan {
  name: string;
  /** Position in worker order (JobSet job index, then completion index): the `worker` of LogOptions. */
  worker: number;
  /** Which child Job the pod belongs to (0 for a batch/v1 Job). */
  childJob: number;
  completionIndex: number;
  command: string[];
  env: Record<string, string>;
  /** Local folders standing in for emptyDir mounts: mountPath → folder. */
  mounts: Record<string, string>;
  /** Job-level activeDeadlineSeconds of the pod's (child) Job. */
  deadlineSeconds?: number;
}

export interface PlanOptions {
  /** The job's working folder; emptyDir volumes become folders under it. */
  workDir: string;
  /** Where KINETIC_OUTPUT_DIR is placed: `<outputRoot>/<jobId>` unless the manifest already points inside it. */
  outputRoot: string;
}

interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, unknown> }>;
  envFrom?: unknown[];
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Array<{ name?: string }>;
  volumes?: Array<{ name: string } & Record<string, unknown>>;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

interface JobSpecLike {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  template?: PodTemplate;
}

function rejected(workload: Workload, reason: string): KineticError {
  return new KineticError(
    "cluster-rejected",
    `the local runtime cannot run ${workload.kind} ${workload.metadata.namespace}/${workload.metadata.name}: ${reason}`,
  );
}

/** The child Jobs of the workload with the number of pods each runs. */
function childJobs(workload: Workload): Array<{ prefix: string; spec: JobSpecLike }> {
  if (workload.kind === "Job") return [{ prefix: workload.metadata.name, spec: workload.spec as JobSpecLike }];
  const rjs = (
    workload.spec as { replicatedJobs?: Array<{ name: string; replicas?: number; template?: { spec?: JobSpecLike } }> }
  ).replicatedJobs;
  if (!Array.isArray(rjs) || rjs.length === 0) throw rejected(workload, "spec.replicatedJobs is empty");
  const out: Array<{ prefix: string; spec: JobSpecLike }> = [];
  for (const rj of rjs) {
    const replicas = rj.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1)
      throw rejected(workload, `replicatedJobs[${rj.name}].replicas must be ≥ 1`);
    if (!rj.template?.spec) throw rejected(workload, `replicatedJobs[${rj.name}].template.spec is missing`);
    for (let i = 0; i < replicas; i++)
      out.push({ prefix: `${workload.metadata.name}-${rj.name}-${i}`, spec: rj.template.spec });
  }
  return out;
}

/** Plans every pod of the workload, or throws a cluster-rejected error naming what cannot run here. */
export function planPods(workload: Workload, options: PlanOptions): PodPlan[] {
  if (workload.apiVersion === "batch/v1" ? workload.kind !== "Job" : workload.kind !== "JobSet") {
    throw rejected(workload, `unsupported object ${workload.apiVersion} ${workload.kind}`);
  }
  if (!NAME_PATTERN.test(workload.metadata.name) || !NAME_PATTERN.test(workload.metadata.namespace)) {
    throw rejected(workload, "metadata.name and metadata.namespace must be DNS names");
  }
  const plans: PodPlan[] = [];
  childJobs(workload).forEach(({ prefix, spec }, childJob) => {
    const pods = spec.parallelism ?? spec.completions ?? 1;
    if (!Number.isInteger(pods) || pods < 1) throw rejected(workload, "parallelism must be ≥ 1");
    const template = spec.template;
    if (!template?.spec) throw rejected(workload, "the pod template is missing");
    for (let index = 0; index < pods; index++) {
      const name = `${prefix}-${index}`;
      const annotations: Record<string, string> = {
        ...template.metadata?.annotations,
        [COMPLETION_INDEX_ANNOTATION]: String(index),
        ...(workload.kind === "JobSet" ? { [JOBSET_JOB_INDEX_ANNOTATION]: String(childJob) } : {}),
      };
      const pod = {
        name,
        namespace: workload.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        annotations,
      };
      plans.push({
        name,
        worker: plans.length,
        childJob,
        completionIndex: index,
        ...(spec.activeDeadlineSeconds ? { deadlineSeconds: spec.activeDeadlineSeconds } : {}),
        ...planContainer(workload, template.spec, pod, options),
      });
    }
  });
  return plans;
}

interface PodMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function planContainer(workload: Workload, spec: PodSpec, pod: PodMeta, options: PlanOptions) {
  const containers = spec.containers ?? [];
  if (containers.length !== 1)
    throw rejected(workload, `a pod must have exactly one container (got ${containers.length})`);
  // Kinetic's wait for the coordinator's name has nothing to wait for here: the coordinator is 127.0.0.1.
  const inits = (spec.initContainers ?? []).filter((i) => i.name !== "kinetic-wait-coordinator");
  if (inits.length) throw rejected(workload, "init containers (volume downloads among them) are not supported");
  const c = containers[0]!;
  if (!c.command?.length) {
    throw rejected(
      workload,
      `the container has no command. The local runtime ignores the image${c.image ? ` (${c.image})` : ""} and runs ` +
        `the command on this machine, so the job spec must set "command" (for example ["python3", "train.py"])`,
    );
  }
  if (c.envFrom?.length) {
    throw rejected(
      workload,
      'Kubernetes Secrets ("secrets" in the job spec) do not exist locally; pass values with "env"',
    );
  }
  const mounts = planMounts(workload, spec, c, options.workDir);

  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    let value: string;
    if (e.valueFrom) value = fieldValue(workload, e.name, e.valueFrom, pod);
    else value = expand(e.value ?? "", env);
    env[e.name] = value;
  }
  // The local stand-ins for cluster-only values.
  if ("KINETIC_COORDINATOR_ADDRESS" in env) env.KINETIC_COORDINATOR_ADDRESS = "127.0.0.1";
  if ("KINETIC_OUTPUT_DIR" in env) {
    const rendered = env.KINETIC_OUTPUT_DIR!;
    env.KINETIC_OUTPUT_DIR = localOutputDir(rendered, env, options.outputRoot, pod.namespace);
    // A checkpoint dir inside a remapped output dir (a bucket URI) moves with it.
    if (env.KINETIC_OUTPUT_DIR !== rendered && env.KINETIC_CHECKPOINT_DIR?.startsWith(rendered))
      env.KINETIC_CHECKPOINT_DIR = `${join(env.KINETIC_OUTPUT_DIR, env.KINETIC_CHECKPOINT_DIR.slice(rendered.length)).replace(/\/+$/, "")}/`;
  }
  for (const [k, v] of Object.entries(env)) env[k] = remapMounts(v, mounts);

  const command = [...c.command, ...(c.args ?? [])].map((arg) => remapMounts(expand(arg, env), mounts));
  return { command, env, mounts };
}

function planMounts(workload: Workload, spec: PodSpec, c: Container, workDir: string): Record<string, string> {
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Record<string, string> = {};
  for (const m of c.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    if (!volume) throw rejected(workload, `volumeMount ${m.name} names no volume`);
    if (!("emptyDir" in volume)) {
      const kind = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
      throw rejected(
        workload,
        `volume ${m.name} (${kind}) cannot be mounted locally; only emptyDir volumes are supported`,
      );
    }
    // /dev/shm exists on the host already; other emptyDirs become folders of the job.
    if (m.mountPath === "/dev/shm") continue;
    mounts[m.mountPath] = join(workDir, "volumes", m.name);
  }
  return mounts;
}

function fieldValue(workload: Workload, name: string, from: Record<string, unknown>, pod: PodMeta): string {
  const fieldPath = (from.fieldRef as { fieldPath?: string } | undefined)?.fieldPath;
  if (!fieldPath) {
    const kind = Object.keys(from)[0] ?? "valueFrom";
    throw rejected(
      workload,
      `env ${name} uses ${kind}, which has no local equivalent (Secrets and ConfigMaps do not exist here)`,
    );
  }
  const m = /^metadata\.(annotations|labels)\['([^']+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === "annotations" ? pod.annotations : pod.labels)[m[2]!] ?? "";
  switch (fieldPath) {
    case "metadata.name":
      return pod.name;
    case "metadata.namespace":
      return pod.namespace;
    case "metadata.uid":
      // No API server assigns one: a stable stand-in per pod name.
      return localUid(pod.name);
    case "status.podIP":
    case "status.hostIP":
      return "127.0.0.1";
    case "spec.nodeName":
      return "localhost";
    default:
      throw rejected(workload, `env ${name} reads ${fieldPath}, which the local runtime does not provide`);
  }
}

/** Kubernetes' $(VAR) expansion: defined variables are replaced, $$ escapes, unknown references stay as written. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === "$$") return "$";
    return name !== undefined && name in env ? env[name]! : whole;
  });
}

/** A path inside an emptyDir mount is moved to the folder standing in for it. */
function remapMounts(value: string, mounts: Record<string, string>): string {
  for (const [mountPath, local] of Object.entries(mounts)) {
    if (value === mountPath) return local;
    if (value.startsWith(mountPath.replace(/\/+$/, "") + "/"))
      return local + value.slice(mountPath.replace(/\/+$/, "").length);
  }
  return value;
}

function localUid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Outputs always land under outputRoot, so a bucket URI or a cluster path never becomes a stray local write. */
function localOutputDir(rendered: string, env: Record<string, string>, outputRoot: string, namespace: string): string {
  const root = outputRoot.replace(/\/+$/, "");
  if (rendered === root || rendered.startsWith(root + "/")) return rendered;
  // The same <namespace>/<job id> layout as a prefix the control plane renders.
  return join(root, namespace, env.KINETIC_JOB_ID ?? "job");
}
