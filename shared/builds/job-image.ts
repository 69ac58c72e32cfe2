/**
 * The image of a job that names a build, decided at submission: the build is
 * requested (never run here, `run: "queue"`), and
 *
 *   up to date        → the job goes on at once with `repository@sha256:…`;
 *   started / joined  → the job waits in BUILDING on that build (`buildId`);
 *                       "started" publishes build.run for buildImage;
 *   the build FAILED  → the job FAILED (BuildFailed) with the build's reason and log tail.
 *
 * Any number of concurrent submissions with the same inputs make one build
 * (requestBuild's first-writer-wins create) and every one of them waits on it.
 * A build may end between the request and the job's move to BUILDING, when
 * its end already woke the jobs it could see: so the record is read once more
 * after the move (the job's write and the build's end are each followed by a
 * read of the other, so one of the two sides sees both and advances the job).
 */
import type { Clock } from "../clock.ts";
import type { EventBus } from "../bus/event-bus.ts";
import { invalid, KineticError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RuntimeConfig } from "../runtime-config.ts";
import { formatImageRef, parseImageRef } from "../registry/reference.ts";
import type { JobBuild } from "../schemas/job-spec-input.ts";
import type { BuildRefStore } from "../store/build-refs.ts";
import type { BuildDoc } from "../store/build-store.ts";
import type { JobDoc, JobStore } from "../store/job-store.ts";
import { publishBuildRun } from "./build-messages.ts";
import type { BuildDeps } from "./execute.ts";
import { requestBuild, type BuildOutcome } from "./request-build.ts";

/** What jobs with a build need: the builds domain's deps (store, registry, builder recipe…) and the bus. */
export interface ImageDeps extends BuildDeps {
  bus: EventBus;
  /**
   * Whether a build may read this machine: a `dir` context, or a Git URL other than https://. Only where the
   * caller is this machine's user (local mode, tests); a deployed function would hand a caller its own files.
   */
  localContexts?: boolean;
  /** How long a build may go without an end before syncJobs fails it (default BUILD_DEADLINE_MS, wake-jobs.ts). */
  buildDeadlineMs?: number;
}

/**
 * Refuses, before anything is stored, a build the deployment will not read: without local contexts, a `dir`
 * context (a path on the function's machine) or a Git URL that is not https:// (file:// reads the machine too).
 */
export function assertBuildable(images: ImageDeps | undefined, build: JobBuild | undefined): void {
  if (!build || !images || images.localContexts) return;
  const ctx = build.context;
  if (ctx.kind === "dir")
    throw invalid("this deployment builds from Git repositories, not from a directory of its own machine", [
      { field: "build.context", message: 'a "dir" context is read where Kinetic runs: use {"kind":"git",…}' },
    ]);
  if (!ctx.url.startsWith("https://"))
    throw invalid("this deployment fetches Git contexts over https:// only", [
      { field: "build.context.url", message: "must be an https:// URL" },
    ]);
}

/** The slice of the job deps this module uses (not JobDeps itself: shared/jobs imports this module). */
export interface JobImageDeps {
  store: JobStore;
  clock: Clock;
  log: Logger;
  config: Pick<RuntimeConfig, "resubmitAfterSeconds">;
  images?: ImageDeps | undefined;
  /** When present, the job's namespace is recorded on its build, so its users see the build in the builds API. */
  buildRefs?: BuildRefStore | undefined;
}

export type JobImage =
  /** Go on: create the workload with `image` (pinned by digest). */
  | { status: "ready"; job: JobDoc; image: string }
  /** BUILDING on a build that has not ended (or the job moved on meanwhile: cancelled, another delivery). */
  | { status: "waiting"; job: JobDoc }
  | { status: "failed"; job: JobDoc };

/** Reason of a job whose build failed. */
export const BUILD_FAILED = "BuildFailed";
/** Log lines of the build copied into the failed job's message. */
const JOB_LOG_TAIL = 20;

/** `registry/path@sha256:…`: what a job runs, so the image cannot change under it. */
export function pinnedImage(image: string, digest: string): string {
  return formatImageRef(parseImageRef(image), { digest });
}

/** Requests the job's build and moves the QUEUED job accordingly. Transient faults throw (the job stays QUEUED). */
export async function resolveJobImage(deps: JobImageDeps, job: JobDoc, build: JobBuild): Promise<JobImage> {
  const images = deps.images;
  if (!images) return failJob(deps, job, "BuildsUnavailable", "this deployment is not configured to build images");
  let outcome;
  try {
    outcome = await requestOnce(images, build);
  } catch (err) {
    // A request that can never be built as given (no repository configured, a field the builder refuses).
    if (err instanceof KineticError && !err.retryable) return failJob(deps, job, "BuildInvalid", err.message);
    throw err;
  }
  if (outcome.build) await referenceBuild(deps, job, outcome.build.id);
  switch (outcome.status) {
    case "up-to-date":
      return { status: "ready", job, image: pinnedImage(outcome.image, outcome.digest) };
    case "failed":
      return failJob(deps, job, BUILD_FAILED, buildFailureMessage(outcome.build), outcome.build.id);
    case "started":
    case "joined": {
      const b = outcome.build;
      const { job: waiting } = await deps.store.transition(job, {
        from: ["QUEUED"],
        to: "BUILDING",
        reason: outcome.status === "started" ? "BuildStarted" : "BuildJoined",
        message: `waiting on build ${b.id} of ${outcome.image}`,
        patch: { buildId: b.id },
      });
      if (outcome.status === "started" || isStale(deps, b)) await nudge(deps, images, b.id);
      if (waiting.state !== "BUILDING") return { status: "waiting", job: waiting };
      const now = await images.builds.get(b.id);
      const next = now ? afterBuild(now) : undefined;
      if (next?.status === "ready") return { status: "ready", job: waiting, image: next.image };
      if (next?.status === "failed") return failJob(deps, waiting, BUILD_FAILED, next.message, b.id);
      return { status: "waiting", job: waiting };
    }
  }
}

// References written by this instance: a thousand jobs of one namespace waiting on one build write its reference once
// per instance, not once per job (one document, which Firestore would throttle).
const referenced = new Set<string>();

async function referenceBuild(deps: JobImageDeps, job: JobDoc, buildId: string): Promise<void> {
  const id = `${job.namespace}:${buildId}`;
  if (!deps.buildRefs || referenced.has(id)) return;
  if (referenced.size > 10_000) referenced.clear();
  referenced.add(id);
  try {
    await deps.buildRefs.add({
      namespace: job.namespace,
      buildId,
      at: deps.clock.now().toISOString(),
      source: `job:${job.id}`,
    });
  } catch (err) {
    referenced.delete(id); // the next job of the namespace writes it
    deps.log.warn("could not record the build's namespace", { buildId, namespace: job.namespace, error: err });
  }
}

// Requests in flight per deps and inputs: a burst of identical submissions to one instance reads the context and
// asks the registry once. Only the first caller can have "started" the build; the others joined it.
const inflight = new WeakMap<ImageDeps, Map<string, Promise<BuildOutcome>>>();

async function requestOnce(images: ImageDeps, build: JobBuild): Promise<BuildOutcome> {
  let byInputs = inflight.get(images);
  if (!byInputs) inflight.set(images, (byInputs = new Map()));
  const key = JSON.stringify(build);
  const shared = byInputs.get(key);
  if (shared) {
    const outcome = await shared;
    return outcome.status === "started" ? { ...outcome, status: "joined" } : outcome;
  }
  const mine = requestBuild(images, build, { run: "queue" });
  byInputs.set(key, mine);
  try {
    return await mine;
  } finally {
    byInputs.delete(key);
  }
}

/** What a finished build means for the jobs waiting on it; undefined while it runs. */
export function afterBuild(
  build: BuildDoc,
): { status: "ready"; image: string } | { status: "failed"; message: string } | undefined {
  if (build.state === "SUCCEEDED") {
    if (!build.digest) return { status: "failed", message: `build ${build.id} succeeded without a digest` };
    return { status: "ready", image: pinnedImage(build.image, build.digest) };
  }
  if (build.state === "FAILED") return { status: "failed", message: buildFailureMessage(build) };
  return undefined;
}

/** The failed job's message: the build, its reason and message, then the end of its log. */
export function buildFailureMessage(build: BuildDoc): string {
  const head = `build ${build.id} failed (${build.reason ?? "Failed"})${build.message ? `: ${build.message}` : ""}`;
  const tail = (build.logTail ?? []).slice(-JOB_LOG_TAIL);
  return tail.length ? `${head}\nlog tail:\n${tail.join("\n")}` : head;
}

/** Moves a waiting (or still QUEUED) job to FAILED; a job that moved on meanwhile is left as it is. */
export async function failJob(
  deps: Pick<JobImageDeps, "store" | "log">,
  job: JobDoc,
  reason: string,
  message: string,
  buildId?: string,
): Promise<JobImage> {
  const r = await deps.store.transition(job, {
    from: ["QUEUED", "BUILDING"],
    to: "FAILED",
    reason,
    message,
    ...(buildId ? { patch: { buildId } } : {}),
  });
  if (r.applied) deps.log.warn("job failed: its image could not be built", { jobId: job.id, reason, buildId });
  return { status: "failed", job: r.job };
}

/**
 * A build nobody is running: still QUEUED after the resubmit delay (its build.run message was lost), or
 * BUILDING in-process with a lapsed claim (its builder died). A backend build (externalId) reports its own end.
 */
export function isStale(deps: Pick<JobImageDeps, "clock" | "config">, build: BuildDoc): boolean {
  const now = deps.clock.now().getTime();
  if (build.state === "QUEUED") return now - Date.parse(build.updatedAt) >= deps.config.resubmitAfterSeconds * 1000;
  if (build.state === "BUILDING" && !build.externalId) return !build.claimUntil || Date.parse(build.claimUntil) <= now;
  return false;
}

/** Publishes build.run; a failed publish is logged, not thrown: syncJobs republishes for a stale build. */
export async function nudge(deps: Pick<JobImageDeps, "log">, images: ImageDeps, buildId: string): Promise<void> {
  try {
    await publishBuildRun(images.bus, buildId);
  } catch (err) {
    deps.log.warn("could not publish build.run; syncJobs publishes it again", { buildId, error: err });
  }
}
