/**
 * Waking the jobs that wait on a build. When a build ends (buildImage ran
 * it, or its Cloud Build status arrived), every job in BUILDING on it goes on
 * with the built image's digest, or ends FAILED with the build's reason and
 * log tail. The jobs are found by one indexed query (buildId, state =
 * BUILDING), so a wake costs O(waiting jobs), and each move is conditional
 * (from BUILDING only), so a duplicated or late end message, or concurrent
 * wakers, change nothing twice: a second create of a job's workload meets
 * the first (deterministic name, 409) and its SUBMITTED move is refused.
 *
 * syncJobs is the backstop (`syncBuildingJobs`): BUILDING jobs whose build
 * already ended are advanced, and a build nobody runs is published again —
 * one build read per distinct build, not per job.
 */
import { forEachLimit } from "../concurrency.ts";
import { isTerminalBuildState, type BuildDoc } from "../store/build-store.ts";
import { jobKey, type JobDoc } from "../store/job-store.ts";
import { createWorkload, type JobDeps } from "../jobs/submit.ts";
import { afterBuild, BUILD_FAILED, failJob, isStale, nudge } from "./job-image.ts";

const PAGE = 200;
const CONCURRENCY = 16;
/**
 * A build with no end after this long never reports one (its status notifications were all lost, or its builder
 * died with nobody to take over): syncJobs fails it, so its jobs do not wait forever. Far above Cloud Build's own
 * timeout (20 min) and a builder's function timeout (9 min), so a live build is never cut short.
 */
export const BUILD_DEADLINE_MS = 3 * 3600_000;

export interface WakeSummary {
  /** Jobs found waiting that have gone on (SUBMITTED or FAILED: by this call, or by a concurrent waker). */
  advanced: number;
  /** Jobs that could not be moved (a transient fault); the caller retries. */
  errors: number;
}

/** Moves one BUILDING job on according to its build's end; anything else is returned as it is. */
export async function advanceBuildingJob(deps: JobDeps, job: JobDoc, build: BuildDoc): Promise<JobDoc> {
  if (job.state !== "BUILDING" || job.buildId !== build.id) return job;
  const next = afterBuild(build);
  if (!next) return job;
  if (next.status === "failed") return (await failJob(deps, job, BUILD_FAILED, next.message, build.id)).job;
  return createWorkload(deps, job, undefined, { image: next.image });
}

/**
 * Advances every job waiting on `build` (a finished build; a running one wakes nobody). A job that fails to
 * move (a cluster fault) is counted and the first error thrown after all were tried, so the caller's
 * transport redelivers; the redelivery only finds the jobs still waiting.
 */
export async function wakeJobsWaitingOn(deps: JobDeps, build: BuildDoc): Promise<WakeSummary> {
  const summary: WakeSummary = { advanced: 0, errors: 0 };
  if (!isTerminalBuildState(build.state)) return summary;
  let firstError: unknown;
  for (let after: JobDoc | undefined; ;) {
    const page = await deps.store.waitingOnBuild(build.id, { limit: PAGE, ...(after ? { startAfter: after } : {}) });
    await forEachLimit(page, CONCURRENCY, async (job) => {
      try {
        const next = await advanceBuildingJob(deps, job, build);
        if (next.state !== "BUILDING") summary.advanced++;
      } catch (err) {
        summary.errors++;
        firstError ??= err;
        deps.log.warn("could not wake a job waiting on its build", { jobId: job.id, buildId: build.id, error: err });
      }
    });
    if (page.length < PAGE) break;
    after = page.at(-1);
  }
  if (summary.advanced || summary.errors)
    deps.log.info("woke the jobs waiting on a build", { buildId: build.id, state: build.state, ...summary });
  if (firstError !== undefined) throw firstError;
  return summary;
}

/**
 * syncJobs' backstop for BUILDING jobs: reads each distinct build once; a build that ended advances its jobs
 * (the wake that should have done it was lost), a build nobody runs gets its build.run again, a build record
 * that is gone fails its jobs.
 */
export async function syncBuildingJobs(deps: JobDeps, jobs: JobDoc[]): Promise<WakeSummary> {
  const summary: WakeSummary = { advanced: 0, errors: 0 };
  const images = deps.images;
  const byBuild = new Map<string, JobDoc[]>();
  for (const job of jobs) {
    if (job.state !== "BUILDING") continue;
    const list = byBuild.get(job.buildId ?? "") ?? [];
    list.push(job);
    byBuild.set(job.buildId ?? "", list);
  }
  if (!images) {
    if (byBuild.size)
      deps.log.warn("jobs wait on builds but this function has no builds configured", { jobs: jobs.length });
    return summary;
  }
  await forEachLimit([...byBuild], CONCURRENCY, async ([buildId, waiting]) => {
    try {
      let build = buildId ? await images.builds.get(buildId) : undefined;
      if (!build) {
        // No record to wait on (retention removed it, or it never existed): waiting longer cannot help.
        const why = `build ${buildId || "(none)"} does not exist`;
        for (const job of waiting)
          if ((await failJob(deps, job, "BuildMissing", why)).job.state === "FAILED") summary.advanced++;
        return;
      }
      if (!isTerminalBuildState(build.state)) {
        const age = deps.clock.now().getTime() - Date.parse(build.createdAt);
        if (age <= (images.buildDeadlineMs ?? BUILD_DEADLINE_MS)) {
          if (isStale(deps, build)) await nudge(deps, images, build.id);
          return;
        }
        const { build: ended } = await images.builds.transition(build.id, {
          to: "FAILED",
          reason: "NoEndReported",
          message: `no end of the build was reported ${Math.round(age / 60_000)} min after it was requested`,
        });
        build = ended;
      }
      const ended = build;
      // A thousand jobs may wait on one build: moved at bounded concurrency, each on its own.
      await forEachLimit(waiting, CONCURRENCY, async (job) => {
        try {
          if ((await advanceBuildingJob(deps, job, ended)).state !== "BUILDING") summary.advanced++;
        } catch (err) {
          summary.errors++;
          deps.log.warn("sync could not advance a job waiting on its build", { jobId: job.id, buildId, error: err });
        }
      });
    } catch (err) {
      summary.errors++;
      deps.log.warn("sync could not advance jobs waiting on a build", {
        buildId,
        jobs: waiting.map(jobKey).slice(0, 5),
        error: err,
      });
    }
  });
  return summary;
}
