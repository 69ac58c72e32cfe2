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
import { attemptWorkloadName } from "./attempt-names.ts";
import { ATTEMPT_LABEL } from "./pod-extras.ts";

import { nonEmpty, podTemplate, REPLICATED_JOB_NAME, sorted, type RenderOptions, type Shape } from "./pod-template.ts";

export { workloadName, WORKLOAD_NAME_MAX } from "./names.ts";
export {
  COMPLETION_INDEX_ANNOTATION,
  CONTAINER_NAME,
  JOBSET_JOB_INDEX_ANNOTATION,
  outputDirOf,
  REPLICATED_JOB_NAME,
  type RenderOptions,
} from "./pod-template.ts";

export const ANNOTATION_JOB_ID = "kinetic.dev/job-id";
export const ANNOTATION_SUBMITTED_AT = "kinetic.dev/submitted-at";
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
export const KUEUE_PRIORITY_LABEL = "kueue.x-k8s.io/priority-class";
export const EXCLUSIVE_TOPOLOGY_ANNOTATION = "alpha.jobset.sigs.k8s.io/exclusive-topology";

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
