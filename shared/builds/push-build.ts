/**
 * What an accepted push does: read the commit's job file and requirements,
 * request the commit's build (requestBuild: the key decides; the same content
 * pushed again is "up-to-date" and nothing is built), and submit the job
 * file's jobs naming that build: they wait in BUILDING and run the image by
 * digest once it exists (builds-pipeline's job-image.ts, wake-jobs.ts). Each
 * step's outcome is recorded on the registration (`lastPush`), so a person
 * can see why a push did nothing.
 *
 * Jobs run on behalf of the operator who registered the repository (the
 * namespace policy is checked for them) in the registration's namespace.
 * Their ids derive from the commit (job-file.ts), so a repeated run of this
 * for one push finds the same jobs instead of starting new ones.
 */
import { posix } from "node:path";
import { KineticError } from "../errors.ts";
import type { JobDeps } from "../jobs/submit.ts";
import { submitJob } from "../jobs/submit.ts";
import type { PushSummary, RepoDoc, RepoStore } from "../store/repo-store.ts";
import type { BuildRefStore } from "../store/build-refs.ts";
import { readCommitFiles } from "./git-files.ts";
import { BuildFailure } from "./builder.ts";
import { nudge, pinnedImage, type ImageDeps } from "./job-image.ts";
import { fileJobSpecs, JOB_FILE, jobFileFrom, type JobFileRead } from "./job-file.ts";
import type { PushEvent } from "./push-payload.ts";
import { requestBuild } from "./request-build.ts";
import type { BuildRequest } from "./request.ts";

export interface PushBuildDeps {
  /** The builds domain and the bus build.run goes on. */
  images: ImageDeps;
  /** Job submission; its `images` should be the same. */
  jobs: JobDeps;
  repos: RepoStore;
  buildRefs: BuildRefStore;
}

export interface PushPlan {
  repo: RepoDoc;
  push: PushEvent & { commit: string };
}

/** What the commit holds that the build and the jobs need. */
interface CommitFiles {
  requirements?: string;
  jobs: JobFileRead;
}

async function readCommit(url: string, repo: RepoDoc, commit: string): Promise<CommitFiles | { error: string }> {
  const at = (p: string) => (repo.build.subdir ? posix.join(repo.build.subdir, p) : p);
  const reqPath = at(repo.build.requirementsPath ?? "requirements.txt");
  const jobPath = at(JOB_FILE);
  let files;
  try {
    files = await readCommitFiles(url, commit, [reqPath, jobPath]);
  } catch (err) {
    // requestBuild fetches the commit again and records the FAILED build with this reason.
    if (err instanceof BuildFailure) return { jobs: { found: false } };
    throw err;
  }
  const requirements = files.get(reqPath);
  if (requirements === undefined && repo.build.requirementsPath !== undefined)
    return { error: `the requirements file ${reqPath} is not in commit ${commit}` };
  const jobText = files.get(jobPath);
  return { ...(requirements ? { requirements } : {}), jobs: jobFileFrom(jobText) };
}

export function pushBuildRequest(repo: RepoDoc, url: string, commit: string, requirements?: string): BuildRequest {
  return {
    context: { kind: "git", url, commit, ...(repo.build.subdir ? { subdir: repo.build.subdir } : {}) },
    baseImage: repo.build.baseImage,
    accelerator: repo.build.accelerator,
    ...(requirements ? { requirements } : {}),
    ...(repo.build.imageRepository ? { repository: repo.build.imageRepository } : {}),
  };
}

/**
 * Starts the pushed commit's build and submits its job file's jobs; returns (and records) the push's outcome.
 * Nothing here waits on the build: the build record is made (or found: the same content is "up-to-date"),
 * build.run is published for buildImage when this call started it, and each job names the same build, so it
 * joins it and waits in BUILDING (job-image.ts).
 */
export async function runPushBuild(deps: PushBuildDeps, plan: PushPlan): Promise<PushSummary> {
  const { repo, push } = plan;
  const base = { commit: push.commit, branch: push.branch ?? push.ref, at: deps.images.clock.now().toISOString() };
  const record = async (s: Omit<PushSummary, "commit" | "branch" | "at">): Promise<PushSummary> => {
    const summary = { ...base, ...s };
    await deps.repos.recordPush(repo.id, summary);
    return summary;
  };
  // The registration's URL wins: the payload's is signed, but the operator said where the code lives.
  const url = repo.cloneUrl ?? push.cloneUrl;
  const files = await readCommit(url, repo, push.commit);
  if ("error" in files) return record({ status: "failed", message: files.error });

  const request = pushBuildRequest(repo, url, push.commit, files.requirements);
  // A new push is an explicit ask: a key whose last attempt failed is tried again (jobs alone would not retry).
  let outcome;
  try {
    outcome = await requestBuild(deps.images, request, { run: "queue", retryFailed: true });
  } catch (err) {
    // A request that can never be built as given (no image repository configured…): recorded, not redelivered.
    if (err instanceof KineticError && !err.retryable) return record({ status: "failed", message: err.message });
    throw err;
  }
  // A lost publish is not fatal: the jobs waiting on the build make syncJobs publish it again.
  if (outcome.status === "started") await nudge(deps.jobs, deps.images, outcome.build.id);
  if (outcome.build)
    await deps.buildRefs.add({
      namespace: repo.namespace,
      buildId: outcome.build.id,
      at: base.at,
      source: `push:${repo.id}`,
    });
  const ids = { ...(outcome.build ? { buildId: outcome.build.id } : {}), key: outcome.key };
  const image = outcome.status === "up-to-date" ? { image: pinnedImage(outcome.image, outcome.digest) } : {};
  const buildFailed =
    outcome.status === "failed"
      ? `the build failed: ${outcome.build.reason ?? "Failed"}${outcome.build.message ? `: ${outcome.build.message}` : ""}`
      : undefined;
  const state = outcome.status === "up-to-date" ? "built" : outcome.status === "failed" ? "failed" : "building";
  if (!files.jobs.found)
    return record({ status: state, ...ids, ...image, message: buildFailed ?? `no ${JOB_FILE} in the commit` });
  if ("error" in files.jobs) return record({ status: "failed", ...ids, ...image, message: files.jobs.error });

  const specs = fileJobSpecs(files.jobs.jobs, {
    namespace: repo.namespace,
    commit: push.commit,
    repository: repo.repository,
    build: request,
  });
  const submitted: string[] = [];
  const problems: string[] = buildFailed ? [buildFailed] : [];
  for (const spec of specs) {
    const out = await submitJob(deps.jobs, {
      spec,
      // On behalf of the operator who registered the repository: the namespace policy is checked for them.
      principal: repo.createdBy,
      source: `push:${repo.id}:${push.commit}`,
    });
    if (out.status === "rejected") problems.push(`${String(spec.id)}: ${out.error.message}`);
    else submitted.push(out.job.id);
  }
  return record({
    status: problems.length ? "failed" : "jobs-submitted",
    ...ids,
    ...image,
    jobs: submitted,
    ...(problems.length ? { message: problems.join("; ") } : {}),
  });
}
