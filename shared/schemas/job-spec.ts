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
 * - Sizes (memory, disk, sharedMemory, tmpfs.size) are quantities with a
 *   unit ("4Gi"), or whole numbers as Metaflow gives them: megabytes for
 *   memory and disk, mebibytes for sharedMemory and tmpfs.size (Metaflow
 *   renders "<n>M" and "<n>Mi"). A decimal without a unit is refused:
 *   Kubernetes would read it as bytes.
 * - Sizes of the whole spec and of its lists and maps are bounded
 *   (JOB_SPEC_LIMITS): a job record must fit a Firestore document, and bad
 *   input must cost little to refuse.
 * - `gpu` is Metaflow's spelling of `gpus`; give one of them.
 *
 * The parts: the fields with their defaults and limits (job-spec-input.ts,
 * each field's checks in job-spec-fields.ts), the cross-field rules
 * (job-spec-rules.ts), issue formatting (job-spec-issues.ts); this module
 * composes them and normalises.
 */
import type { z } from "zod";
import { toMebibytes } from "./quantities.ts";
import { JOB_SPEC_DEFAULTS, JobSpecInput, type QosClass, type RawJobSpec } from "./job-spec-input.ts";
import { jobSpecError, specIssuesError } from "./job-spec-issues.ts";
import { specLimitIssues, specSizeIssue } from "./job-spec-limits.ts";
import { checkCrossFields, memoryBytes, resolveFor, withImplicitGpu } from "./job-spec-rules.ts";

export {
  JOB_SPEC_DEFAULTS,
  JOB_SPEC_LIMITS,
  JobSpecInput,
  MAX_TIMEOUT_SECONDS,
  MAX_WORKERS,
  QOS_CLASSES,
  type QosClass,
} from "./job-spec-input.ts";

type Raw = RawJobSpec;

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
    // A job with a build has no image until the build gives one (the record's `image`, by digest).
    image: raw.build ? undefined : (raw.image ?? JOB_SPEC_DEFAULTS.image),
    build: raw.build ? { ...raw.build, accelerator: raw.build.accelerator ?? acc.kind } : undefined,
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
    duration: raw.duration,
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
    outputMount: raw.outputMount,
    data: raw.data,
    hfCache: raw.hfCache,
    maxPreemptions: raw.maxPreemptions,
    hostnameResolutionTimeoutSeconds: raw.hostnameResolutionTimeoutSeconds,
  };
  // Firestore rejects undefined fields; drop them so the spec stores as-is.
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as Simplify<
    OmitUndefined<typeof spec>
  >;
}

/** The job spec schema: validates, checks cross-field rules, and normalises. */
export const JobSpec = JobSpecInput.superRefine(checkCrossFields).transform(normalize);
export type JobSpec = z.output<typeof JobSpec>;

/**
 * Validate and normalise a job spec. Throws KineticError with code
 * "unknown-accelerator" (the accelerator string is not in the catalog) or
 * "invalid-argument", listing the problems as {field, message} (the first
 * ones, and a count of the rest). The size limits come first, so an
 * oversized input is refused without looking at each entry.
 *
 * @example parseJobSpec({ accelerator: "nvidia-l4:4", image: "pytorch/pytorch:2.5.1" }).gpus === 4
 */
export function parseJobSpec(input: unknown): JobSpec {
  const limits = specLimitIssues(input);
  if (limits.length) throw specIssuesError(limits);
  const result = JobSpec.safeParse(input);
  if (!result.success) throw jobSpecError(result.error);
  // Defaults and Metaflow's forms ("k=v" node selectors) can grow a spec: the stored form must fit too.
  const stored = specSizeIssue(result.data, "the job spec once normalised");
  if (stored) throw specIssuesError([stored]);
  return result.data;
}
