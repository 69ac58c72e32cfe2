/**
 * The job spec: what a user submits to run one training job. Covers every
 * Metaflow `@kubernetes` parameter, Kinetic accelerator strings, and
 * Kaptain-style resources (simple cpu/memory/gpus or advanced
 * resources.requests/limits), and checks the limits Metaflow leaves to the API
 * server. Unknown fields are rejected so a typo never disappears silently.
 *
 * The parsed spec is normalised (defaults filled, accelerator canonical, env
 * and nodeSelector as objects) and is itself valid input: parsing it again
 * gives the same spec, so the stored record can be re-rendered later.
 *
 * Decisions where Metaflow or the CLI spec left room:
 * - `reservation` is accepted per job but only adds the reservation node
 *   selectors; the pool must already be built on that reservation.
 * - `priority` names a Kueue WorkloadPriorityClass when `queue` is set
 *   (label kueue.x-k8s.io/priority-class); without a queue it is the pod's
 *   priorityClassName.
 * - `computePool` selects a GKE node pool (cloud.google.com/gke-nodepool).
 * - Sizes (memory, disk, sharedMemory, tmpfs.size) need a unit: Kubernetes
 *   reads a bare "4096" as bytes.
 * - `gpu` is Metaflow's spelling of `gpus`; give one of them.
 */
import { z } from "zod";
import { distance } from "fastest-levenshtein";
import { KineticError, type FieldIssue } from "../errors.ts";
import { resolveAccelerator, type ResolvedAccelerator } from "../accelerators/resolve.ts";
import { GPU_ACCELERATOR_LABEL } from "../accelerators/catalog.ts";
import { parseQuantity, toMebibytes } from "./quantities.ts";
import {
  AbsolutePath,
  Annotations,
  ByteQuantity,
  caseInsensitiveEnum,
  CpuQuantity,
  Env,
  Image,
  JobId,
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
  Tmpfs,
  Toleration,
} from "./job-spec-fields.ts";

export { JOB_ID_PATTERN } from "./job-spec-fields.ts";

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

const SIMPLE_RESOURCE_FIELDS = ["cpu", "memory", "disk", "gpus", "gpu"] as const;

export const JobSpecInput = z.strictObject({
  /** Client-chosen job id (idempotency); becomes the Firestore doc id and the kinetic.dev/job-id label. */
  id: JobId.optional(),
  /** Container image. Default python:3.12-slim. */
  image: Image.optional(),
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
  /** Memory request with a unit ("4Gi"). Default "4Gi". */
  memory: ByteQuantity.optional(),
  /** Ephemeral-storage request ("20Gi"). No default: none requested. */
  disk: ByteQuantity.optional(),
  /** Advanced form: raw requests/limits; excludes cpu/memory/disk/gpus. */
  resources: Resources.optional(),
  /** Guaranteed: limits = requests; Burstable (default): requests only; BestEffort: no cpu/memory requests. */
  qos: caseInsensitiveEnum(QOS_CLASSES).optional(),

  /** Identical replicas (each one pod, or one pod per host for multi-host TPU). Default 1. */
  workers: z.number().int("must be a whole number").min(1).max(MAX_WORKERS).optional(),
  /** Wall-clock limit from start (Job activeDeadlineSeconds; queue time does not count). */
  timeoutSeconds: z.number().int("must be a whole number").min(1).max(MAX_TIMEOUT_SECONDS).optional(),
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
  /** Size of the memory-backed /dev/shm ("2Gi"). */
  sharedMemory: ByteQuantity.optional(),
  tmpfs: Tmpfs.optional(),
  /** Container port; also KINETIC_COORDINATOR_PORT. */
  port: z.number().int("must be a whole number").min(1).max(65535).optional(),
  /** GKE node pool name (node selector cloud.google.com/gke-nodepool). */
  computePool: LabelSafeName.optional(),
  securityContext: SecurityContext.optional(),
  /** Output location; default <outputDirBase>/<jobId> from the deployment. */
  outputDir: OutputDir.optional(),
});
export type JobSpecInput = z.input<typeof JobSpecInput>;
type Raw = z.output<typeof JobSpecInput>;

/** GPUs per pod from the advanced form's limits (or requests), when it names a GPU resource. */
function advancedGpuCount(raw: Raw): number | undefined {
  for (const side of [raw.resources?.limits, raw.resources?.requests])
    for (const name of ["nvidia.com/gpu", "amd.com/gpu"]) {
      const value = side?.[name];
      if (value !== undefined) return Number(value);
    }
  return undefined;
}

function resolveFor(raw: Raw): ResolvedAccelerator {
  const count = raw.gpus ?? raw.gpu ?? advancedGpuCount(raw);
  return resolveAccelerator(raw.accelerator ?? JOB_SPEC_DEFAULTS.accelerator, {
    count: count === 0 ? undefined : count,
    vendor: raw.gpuVendor ?? (raw.resources?.limits?.["amd.com/gpu"] ? "amd" : undefined),
    spot: raw.spot,
    reservation: raw.reservation,
  });
}

/** Default accelerator when only a GPU count is given: any-model GPUs. */
function withImplicitGpu(raw: Raw): Raw {
  const count = raw.gpus ?? raw.gpu ?? advancedGpuCount(raw);
  return raw.accelerator === undefined && count ? { ...raw, accelerator: "gpu" } : raw;
}

const EXTENDED_RESOURCES = ["google.com/tpu", "nvidia.com/gpu", "amd.com/gpu"];
type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string, kineticCode?: string) {
  ctx.addIssue({ code: "custom", path, message, ...(kineticCode ? { params: { kineticCode } } : {}) });
}

function checkResources(raw: Raw, acc: ResolvedAccelerator | undefined, ctx: Ctx) {
  const qos = raw.qos;
  if (raw.resources) {
    for (const f of SIMPLE_RESOURCE_FIELDS)
      if (raw[f] !== undefined)
        issue(
          ctx,
          [f],
          `"${f}" and "resources" cannot both be given: use the simple form (cpu, memory, disk, gpus) or resources {requests, limits}`,
        );
    if (qos === "BestEffort")
      issue(ctx, ["qos"], 'BestEffort means no cpu/memory requests; it cannot be combined with "resources"');
    for (const side of ["requests", "limits"] as const) {
      for (const [name, value] of Object.entries(raw.resources[side] ?? {})) {
        if (!EXTENDED_RESOURCES.includes(name)) continue;
        if (!acc || acc.resourceName !== name || Number(value) !== acc.countPerPod)
          issue(
            ctx,
            ["resources", side, name],
            acc?.resourceName
              ? `does not match accelerator "${acc.name}", which takes ${acc.resourceName}: ${acc.countPerPod} per pod`
              : `set TPUs through "accelerator" (e.g. "tpu-v6e-8"), not resources`,
          );
      }
    }
    if (qos === "Guaranteed") {
      for (const name of ["cpu", "memory"]) {
        const req = raw.resources.requests?.[name];
        const lim = raw.resources.limits?.[name];
        if (req === undefined && lim === undefined)
          issue(ctx, ["resources", "requests", name], "is required for qos Guaranteed");
        else if (req !== undefined && lim !== undefined && parseQuantity(req)?.value !== parseQuantity(lim)?.value)
          issue(ctx, ["resources", "limits", name], `must equal resources.requests.${name} for qos Guaranteed`);
      }
    }
    return;
  }
  if (qos === "BestEffort")
    for (const f of ["cpu", "memory", "disk"] as const)
      if (raw[f] !== undefined)
        issue(ctx, [f], `cannot be set with qos BestEffort (BestEffort pods request no cpu or memory)`);
  if (raw.gpus !== undefined && raw.gpu !== undefined)
    issue(ctx, ["gpu"], '"gpu" and "gpus" are the same setting; give only "gpus"');
}

function checkCrossFields(raw: Raw, ctx: Ctx) {
  let acc: ResolvedAccelerator | undefined;
  try {
    acc = resolveFor(withImplicitGpu(raw));
  } catch (err) {
    if (!(err instanceof KineticError)) throw err;
    for (const i of err.issues) issue(ctx, i.field.split("."), i.message, err.code);
  }
  checkResources(raw, acc, ctx);
  if (raw.spot && raw.reservation)
    issue(ctx, ["reservation"], '"spot" and "reservation" cannot both be set: Spot VMs do not consume reservations');
  if (acc && (raw.gpus === 0 || raw.gpu === 0) && acc.kind === "gpu")
    issue(ctx, [raw.gpus === 0 ? "gpus" : "gpu"], `must be at least 1 for accelerator "${acc.name}"`);
  if (raw.gpuVendor === "amd" && acc?.kind === "tpu")
    issue(ctx, ["gpuVendor"], `"amd" conflicts with the TPU accelerator "${acc.name}"`);

  // User node selectors may add labels but not contradict the accelerator's.
  if (acc && raw.nodeSelector) {
    for (const [key, value] of Object.entries(acc.nodeSelector)) {
      const mine = raw.nodeSelector[key];
      if (mine !== undefined && mine !== value)
        issue(ctx, ["nodeSelector", key], `conflicts with accelerator "${acc.name}", which needs ${key}=${value}`);
    }
    if (acc.kind !== "gpu" && raw.nodeSelector[GPU_ACCELERATOR_LABEL] !== undefined)
      issue(ctx, ["nodeSelector", GPU_ACCELERATOR_LABEL], 'selects GPU nodes; set "accelerator" instead');
  }
  const pool = raw.nodeSelector?.["cloud.google.com/gke-nodepool"];
  if (raw.computePool && pool !== undefined && pool !== raw.computePool)
    issue(ctx, ["computePool"], `conflicts with nodeSelector cloud.google.com/gke-nodepool=${pool}`);

  const sc = raw.securityContext;
  if (sc?.runAsNonRoot && sc.runAsUser === 0)
    issue(ctx, ["securityContext", "runAsUser"], "is 0 (root) but runAsNonRoot is true");
  if (sc?.privileged && sc.allowPrivilegeEscalation === false)
    issue(ctx, ["securityContext", "allowPrivilegeEscalation"], "cannot be false when privileged is true");

  // Mount paths must not collide.
  const mounts = new Map<string, string>();
  const claim = (path: string, owner: (string | number)[]) => {
    const other = mounts.get(path);
    if (other) issue(ctx, owner, `mount path ${path} is already used by ${other}`);
    else mounts.set(path, owner.join("."));
  };
  if (raw.sharedMemory) claim("/dev/shm", ["sharedMemory"]);
  const tmpfs = raw.tmpfs;
  if (tmpfs && tmpfs.enabled !== false) {
    claim(tmpfs.path ?? JOB_SPEC_DEFAULTS.tmpfsPath, ["tmpfs", "path"]);
    if (!tmpfs.size && !memoryBytes(raw))
      issue(ctx, ["tmpfs", "size"], "is required when no memory is requested (the default is half the memory request)");
  }
  for (const [name, path] of Object.entries(raw.persistentVolumeClaims ?? {}))
    claim(path, ["persistentVolumeClaims", name]);
}

function memoryBytes(raw: Raw): number | undefined {
  const text = raw.resources
    ? (raw.resources.requests?.memory ?? raw.resources.limits?.memory)
    : raw.qos === "BestEffort"
      ? undefined
      : (raw.memory ?? JOB_SPEC_DEFAULTS.memory);
  return text ? parseQuantity(text)?.value : undefined;
}

/** Keys whose value may be undefined become optional keys (the stored spec omits them). */
type OmitUndefined<T> = {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
} & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] };
type Simplify<T> = { [K in keyof T]: T[K] } & {};

function normalize(input: Raw) {
  const raw = withImplicitGpu(input);
  const acc = resolveFor(raw);
  const qos: QosClass = raw.qos ?? "Burstable";
  const simple = !raw.resources && qos !== "BestEffort";
  const tmpfs =
    raw.tmpfs && raw.tmpfs.enabled !== false
      ? {
          size: raw.tmpfs.size ?? toMebibytes(memoryBytes(raw)! / 2),
          path: raw.tmpfs.path ?? JOB_SPEC_DEFAULTS.tmpfsPath,
          tempdir: raw.tmpfs.tempdir ?? JOB_SPEC_DEFAULTS.tmpfsTempdir,
        }
      : undefined;
  // The advanced form carries the accelerator count in its limits, so the stored spec re-parses alike.
  const resources = raw.resources
    ? {
        requests: { ...raw.resources.requests },
        limits: {
          ...raw.resources.limits,
          ...(acc.resourceName ? { [acc.resourceName]: String(acc.countPerPod) } : {}),
        },
      }
    : undefined;
  if (resources && qos === "Guaranteed")
    for (const name of ["cpu", "memory"]) {
      resources.limits[name] ??= resources.requests[name]!;
      resources.requests[name] ??= resources.limits[name]!;
    }
  const spec = {
    id: raw.id,
    image: raw.image ?? JOB_SPEC_DEFAULTS.image,
    imagePullPolicy: raw.imagePullPolicy,
    imagePullSecrets: raw.imagePullSecrets ?? [],
    serviceAccount: raw.serviceAccount,
    command: raw.command,
    args: raw.args,
    env: raw.env ?? {},
    secrets: raw.secrets ?? [],
    accelerator: acc.name,
    gpus: acc.kind === "gpu" && !raw.resources ? acc.countPerPod : undefined,
    gpuVendor: acc.resourceName === "amd.com/gpu" ? "amd" : (raw.gpuVendor ?? JOB_SPEC_DEFAULTS.gpuVendor),
    spot: raw.spot ?? false,
    reservation: raw.reservation,
    cpu: simple ? (raw.cpu ?? JOB_SPEC_DEFAULTS.cpu) : undefined,
    memory: simple ? (raw.memory ?? JOB_SPEC_DEFAULTS.memory) : undefined,
    disk: simple ? raw.disk : undefined,
    resources,
    qos,
    workers: raw.workers ?? JOB_SPEC_DEFAULTS.workers,
    timeoutSeconds: raw.timeoutSeconds,
    ttlSecondsAfterFinished: raw.ttlSecondsAfterFinished,
    forceCleanup: raw.forceCleanup,
    priority: raw.priority,
    queue: raw.queue,
    namespace: raw.namespace ?? JOB_SPEC_DEFAULTS.namespace,
    nodeSelector: raw.nodeSelector ?? {},
    tolerations: raw.tolerations ?? [],
    labels: raw.labels ?? {},
    annotations: raw.annotations ?? {},
    persistentVolumeClaims: raw.persistentVolumeClaims ?? {},
    sharedMemory: raw.sharedMemory,
    tmpfs,
    port: raw.port,
    computePool: raw.computePool,
    securityContext: raw.securityContext,
    outputDir: raw.outputDir,
  };
  // Firestore rejects undefined fields; drop them so the spec stores as-is.
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as Simplify<
    OmitUndefined<typeof spec>
  >;
}

/** The job spec schema: validates, checks cross-field rules, and normalises. */
export const JobSpec = JobSpecInput.superRefine(checkCrossFields).transform(normalize);
export type JobSpec = z.output<typeof JobSpec>;

const KNOWN_FIELDS = Object.keys(JobSpecInput.shape);
// Nested objects whose unknown keys get a "did you mean" too (keyed by the top-level field).
const NESTED_FIELDS: Record<string, readonly string[]> = {
  tolerations: ["key", "operator", "value", "effect", "tolerationSeconds"],
  securityContext: ["privileged", "allowPrivilegeEscalation", "runAsUser", "runAsGroup", "runAsNonRoot"],
  tmpfs: ["enabled", "size", "path", "tempdir"],
  resources: ["requests", "limits"],
  reservation: ["name", "project"],
};

/** Render a zod path as "tolerations.0.key" or labels["app.kubernetes.io/name"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += out ? `.${seg}` : String(seg);
    else if (typeof seg === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || "(spec)";
}

function suggestField(key: string, known: readonly string[]): string {
  const k = key.toLowerCase();
  // Nearest by edit distance; on a tie prefer a name that is a prefix of the typo or vice versa ("cpus" → "cpu").
  const rank = (name: string) => {
    const n = name.toLowerCase();
    return [distance(k, n), k.startsWith(n) || n.startsWith(k) ? 0 : 1] as const;
  };
  const best = [...known].sort((a, b) => {
    const [da, pa] = rank(a);
    const [db, pb] = rank(b);
    return da - db || pa - pb;
  })[0];
  return best && rank(best)[0] <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${best}"?` : "";
}

function toFieldIssues(error: z.ZodError): { issues: FieldIssue[]; unknownAccelerator: boolean } {
  const issues: FieldIssue[] = [];
  let unknownAccelerator = false;
  for (const i of error.issues) {
    if (i.code === "unrecognized_keys") {
      const known = i.path.length === 0 ? KNOWN_FIELDS : (NESTED_FIELDS[String(i.path[0])] ?? []);
      for (const key of i.keys)
        issues.push({
          field: formatPath([...i.path, key]),
          message: `unknown field "${key}"${suggestField(key, known)}`,
        });
      continue;
    }
    if (
      i.code === "custom" &&
      (i.params as { kineticCode?: string } | undefined)?.kineticCode === "unknown-accelerator"
    )
      unknownAccelerator = true;
    issues.push({ field: formatPath(i.path), message: i.message });
  }
  return { issues, unknownAccelerator };
}

/**
 * Validate and normalise a job spec. Throws KineticError with code
 * "unknown-accelerator" (the accelerator string is not in the catalog) or
 * "invalid-argument", listing every problem as {field, message}.
 *
 * @example parseJobSpec({ accelerator: "nvidia-l4:4", image: "pytorch/pytorch:2.5.1" }).gpus === 4
 */
export function parseJobSpec(input: unknown): JobSpec {
  const result = JobSpec.safeParse(input);
  if (result.success) return result.data;
  const { issues, unknownAccelerator } = toFieldIssues(result.error);
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  return throwIssues(unknownAccelerator ? "unknown-accelerator" : "invalid-argument", summary, issues);
}

function throwIssues(code: "unknown-accelerator" | "invalid-argument", summary: string, issues: FieldIssue[]): never {
  throw new KineticError(code, `invalid job spec: ${summary}`, { issues });
}
