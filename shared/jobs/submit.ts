/**
 * Job submission: validate → record → render → create on the cluster.
 * Bad input is recorded as REJECTED and never retried; transient cluster
 * faults throw so the transport redelivers; a repeat of the same job finds
 * the existing record (and a 409 on the cluster) and changes nothing.
 */
import { KineticError, isRetryable, truncateText } from "../errors.ts";
import { withRetry } from "../retry.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../clock.ts";
import type { RuntimeConfig } from "../runtime-config.ts";
import type { ClusterClient, WorkloadRef } from "../cluster/types.ts";
import { parseJobSpec, type JobSpec } from "../schemas/job-spec.ts";
import { renderWorkload, workloadRef } from "../manifests/render.ts";
import type { JobDoc, JobStore } from "../store/job-store.ts";
import { deriveJobId, JOB_ID_PATTERN, newJobId } from "../schemas/job-id.ts";
import { dns1123LabelError } from "../schemas/k8s-names.ts";
import { assertNamespaceAllowed } from "./namespace-policy.ts";
import { assertOutputDir, prepareStorage } from "./job-storage.ts";
import { firstAttempt } from "./attempts.ts";
import { assertBuildable, resolveJobImage, type ImageDeps } from "../builds/job-image.ts";
import { jobDefaults } from "../operator-config/job-settings.ts";
import type { OperatorConfigSource } from "../store/operator-config-store.ts";

/** The reason of a tombstone that cancelJob leaves when a cancel overtakes its submission. */
export const CANCELLED_BEFORE_SUBMIT = "CancelledBeforeSubmit";

export interface JobDeps {
  store: JobStore;
  cluster: ClusterClient;
  config: RuntimeConfig;
  clock: Clock;
  log: Logger;
  /** Image builds, for jobs that name a `build` (absent: such jobs fail with BuildsUnavailable). */
  images?: ImageDeps | undefined;
  /** The live operator config: default queue, scheduler name, GPU taint (absent: KINETIC_DEFAULT_QUEUE alone). */
  operatorConfig?: OperatorConfigSource | undefined;
}

export interface SubmitRequest {
  /** The job spec as received (already JSON-parsed), or undefined when the body was not JSON. */
  spec: unknown;
  /** Why `spec` is missing, when the payload could not be parsed at all. */
  parseError?: string;
  /** A job id carried by the transport (a message attribute), used when the spec carries none. */
  jobId?: string;
  /** Transport-stable idempotency key, used when the spec carries no id. */
  key?: string;
  /** Who submits: an authenticated principal, or "pubsub". */
  principal: string;
  /** Audit trail: "pubsub:<messageId>" or "http:<principal>". */
  source: string;
  /** Publish time of a message, for the age guard. */
  publishedAt?: string;
  /**
   * Record bad input as a REJECTED job (default). A message has no other way to tell its publisher; an HTTP
   * caller gets the error in the answer, so nothing is stored and no id can be squatted with invalid specs.
   */
  recordRejections?: boolean;
}

export type SubmitOutcome =
  { status: "created" | "duplicate"; job: JobDoc } | { status: "rejected"; job?: JobDoc; error: KineticError };

export async function submitJob(deps: JobDeps, req: SubmitRequest): Promise<SubmitOutcome> {
  const id = chooseId(req);
  let spec: JobSpec;
  try {
    if (req.parseError !== undefined) {
      throw new KineticError("invalid-argument", `the job message is not valid JSON: ${req.parseError}`, {
        issues: [{ field: "(body)", message: "expected a JSON object" }],
      });
    }
    spec = parseJobSpec(req.spec);
    assertFresh(deps, req);
    assertNamespaceAllowed(deps.config.namespacePolicy, req.principal, spec.namespace);
    assertOutputDir(spec, deps.config);
    assertBuildable(deps.images, spec.build);
  } catch (err) {
    if (!(err instanceof KineticError) || err.retryable) throw err;
    return reject(deps, req, id, err);
  }

  const jobId = spec.id ?? id ?? newJobId();
  const { created, job } = await deps.store.create({
    id: jobId,
    namespace: spec.namespace,
    accelerator: spec.accelerator ?? "cpu",
    ...(spec.image ? { image: spec.image } : {}),
    spec: toStoredSpec(spec),
    source: req.source,
  });
  // A cancel overtook this submission and left a tombstone: the job stays cancelled and never runs.
  if (!created && job.reason === CANCELLED_BEFORE_SUBMIT) {
    deps.log.info("submission refused: the job was cancelled before it arrived", { jobId, source: req.source });
    return { status: "duplicate", job };
  }
  // The same id in the same namespace with another spec is another job: refuse it without showing the first.
  // (Another namespace's job with this id is a different key: it is never read here, so nothing leaks.)
  if (!created && !sameSpec(job, spec)) {
    const error = new KineticError(
      "id-conflict",
      `job id ${jobId} is already used by a different job; choose another id`,
      {
        issues: [{ field: "id", message: "already used by a different job" }],
      },
    );
    deps.log.warn("job id conflict", { jobId, source: req.source });
    return { status: "rejected", error };
  }
  // A redelivery after a failed cluster call finds the job still QUEUED and finishes the work.
  if (!created && (job.state !== "QUEUED" || job.workload)) {
    deps.log.info("duplicate submission", { jobId, state: job.state, source: req.source });
    // Cancel wins: an earlier delivery may have created the workload and died before it could delete it.
    if (job.state === "CANCELLED") await deleteAfterCancel(deps, job, job.workload ?? workloadRef(job.id, spec));
    return { status: "duplicate", job };
  }
  const submitted = await startJob(deps, job, spec);
  return { status: created ? "created" : "duplicate", job: submitted };
}

/**
 * Goes on with a QUEUED job: creates its workload, or, for a job that names a build, first gets its image —
 * at once when the image is up to date, else the job waits in BUILDING until the build ends (wake-jobs.ts).
 */
export async function startJob(deps: JobDeps, job: JobDoc, spec: JobSpec = parseJobSpec(job.spec)): Promise<JobDoc> {
  if (!spec.build) return createWorkload(deps, job, spec);
  const decided = await resolveJobImage(deps, job, spec.build);
  return decided.status === "ready" ? createWorkload(deps, decided.job, spec, { image: decided.image }) : decided.job;
}

/**
 * Renders and creates the workload for a QUEUED job, then records SUBMITTED.
 * Also used by syncJobs to finish submissions whose cluster call failed.
 */
export async function createWorkload(
  deps: JobDeps,
  job: JobDoc,
  spec?: JobSpec,
  options: { image?: string } = {},
): Promise<JobDoc> {
  const parsed = spec ?? parseJobSpec(job.spec);
  // A job with a build runs the image its build made (by digest), never a default.
  if (parsed.build && !options.image) throw new KineticError("internal", `job ${job.id} has a build but no image yet`);
  const validSpec = options.image ? { ...parsed, image: options.image } : parsed;
  const defaults = await jobDefaults(deps.operatorConfig, deps.config.defaultQueue);
  const queue = validSpec.queue ?? defaults.queue;
  try {
    // Claims first: the pods mount them (an existing one, shared or from a redelivery, is kept as it is).
    const { outputDir, storage } = await prepareStorage(deps, job.id, validSpec);
    const workload = renderWorkload(job.id, queue ? { ...validSpec, queue } : validSpec, {
      outputDirBase: deps.config.outputDirBase,
      defaultTtlSeconds: deps.config.defaultTtlSeconds,
      ...(storage ? { storage } : {}),
      ...(defaults.scheduling ? { scheduling: defaults.scheduling } : {}),
    });
    const result = await withRetry(() => deps.cluster.submit(workload), {
      onRetry: (err, attempt) =>
        deps.log.warn("cluster create failed; retrying", { jobId: job.id, attempt, error: err }),
    });
    const { applied, job: next } = await deps.store.transition(job, {
      // BUILDING: a job whose build just succeeded (concurrent wakers meet the 409 above and this guard).
      from: ["QUEUED", "BUILDING"],
      to: "SUBMITTED",
      reason: result.created ? "Created" : "AlreadyExists",
      message: `${workload.kind} ${result.ref.namespace}/${result.ref.name}`,
      patch: {
        workload: result.ref,
        ...(options.image ? { image: options.image } : {}),
        ...(outputDir ? { outputDir } : {}),
        attempt: 1,
        attempts: firstAttempt(result.ref.name, deps.clock.now().toISOString()),
      },
    });
    if (!applied && next.state === "CANCELLED") {
      // Cancelled while the create was in flight: the cancel found no workload to delete, so delete it here.
      await deleteAfterCancel(deps, job, result.ref);
      return next;
    }
    deps.log.info("workload submitted", { jobId: job.id, kind: workload.kind, created: result.created });
    return next;
  } catch (err) {
    if (isRetryable(err)) {
      deps.log.warn("cluster unavailable; submission will be retried", { jobId: job.id, error: err });
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    const { job: failed } = await deps.store.transition(job, {
      to: "FAILED",
      reason: "ClusterRejected",
      message,
    });
    deps.log.warn("cluster rejected the workload", { jobId: job.id, error: message });
    return failed;
  }
}

/** Deletes a cancelled job's workload (missing is fine); a transient failure throws so the delivery is retried. */
async function deleteAfterCancel(deps: JobDeps, job: JobDoc, ref: WorkloadRef): Promise<void> {
  const { deleted } = await withRetry(() => deps.cluster.delete(ref));
  if (deleted)
    deps.log.info("workload created after its job was cancelled; deleted", {
      jobId: job.id,
      namespace: job.namespace,
      workload: ref,
    });
}

async function reject(deps: JobDeps, req: SubmitRequest, id: string | undefined, error: KineticError) {
  deps.log.warn("job rejected", { jobId: id, code: error.code, error: error.message, source: req.source });
  // Without an id, or for a caller who gets the error in the answer, nothing is stored.
  if (!id || req.recordRejections === false) return { status: "rejected" as const, error };
  const raw = (typeof req.spec === "object" && req.spec !== null ? req.spec : {}) as Record<string, unknown>;
  const { job } = await deps.store.create({
    id,
    state: "REJECTED",
    // Only a valid namespace names the record (it is half of its key); any other sits in "" (operators only).
    namespace: typeof raw.namespace === "string" && dns1123LabelError(raw.namespace) === undefined ? raw.namespace : "",
    accelerator: typeof raw.accelerator === "string" ? truncateText(raw.accelerator, 253) : "",
    source: req.source,
    reason: reasonOf(error),
    message: truncateText(describe(error)),
  });
  return { status: "rejected" as const, job, error };
}

function chooseId(req: SubmitRequest): string | undefined {
  const raw = typeof req.spec === "object" && req.spec !== null ? (req.spec as { id?: unknown }).id : undefined;
  if (typeof raw === "string" && JOB_ID_PATTERN.test(raw)) return raw;
  if (req.jobId && JOB_ID_PATTERN.test(req.jobId)) return req.jobId;
  if (req.key) return deriveJobId(req.key);
  return undefined;
}

/** The id the job gets when the request carries neither an id nor a key. */
export function ensureId(spec: unknown): unknown {
  if (typeof spec === "object" && spec !== null && !("id" in spec)) return { ...spec, id: newJobId() };
  return spec;
}

function assertFresh(deps: JobDeps, req: SubmitRequest) {
  if (!req.publishedAt) return;
  const ageSeconds = (deps.clock.now().getTime() - Date.parse(req.publishedAt)) / 1000;
  if (ageSeconds > deps.config.submitMaxAgeSeconds) {
    throw new KineticError(
      "failed-precondition",
      `the job message is ${Math.round(ageSeconds)} s old, older than the ${deps.config.submitMaxAgeSeconds} s limit; it was not started late`,
      { issues: [{ field: "publishTime", message: "expired" }] },
    );
  }
}

function reasonOf(error: KineticError): string {
  switch (error.code) {
    case "unknown-accelerator":
      return "UnknownAccelerator";
    case "permission-denied":
      return "NamespaceNotAllowed";
    case "failed-precondition":
      return "Expired";
    default:
      return "InvalidSpec";
  }
}

function describe(error: KineticError): string {
  if (!error.issues.length) return error.message;
  return `${error.message}: ${error.issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`;
}

/** Whether a stored job (same namespace and id) is this submission: the same validated spec, key order aside. */
function sameSpec(job: JobDoc, spec: JobSpec): boolean {
  return canonical(job.spec ?? {}) === canonical(toStoredSpec(spec));
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function toStoredSpec(spec: JobSpec): Record<string, unknown> {
  return JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
}
