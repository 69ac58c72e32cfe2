/**
 * The build example of `npm start`: push → webhook → build → image in the
 * local registry → job, each step printed. A Git repository is made from
 * examples/build and served from a local bare repository (file://), it is
 * registered through the API, and each `git push` is followed by the
 * delivery GitHub would send: a push event signed with the repository's
 * secret, POSTed to the pushHook function. A second push of the same content
 * (a new commit, the same files) builds nothing.
 */
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KineticApiClient } from "../../shared/client/api-client.ts";
import { BuildApiClient, type BuildView } from "../../shared/client/build-client.ts";
import type { JobRecord } from "../../shared/schemas/job-record.ts";

export const BUILD_EXAMPLE_DIR = "examples/build";

export interface BuildExampleOptions {
  repoRoot: string;
  /** The HTTP API and its bearer token (an operator: registering a repository is theirs). */
  apiUrl: string;
  token: string;
  /** The pushHook function's base URL (hooks are <it>/hooks/<id>). */
  hookUrl: string;
  /** host:port of the local OCI registry the stack builds into (the example puts its base image there). */
  registryHost: string;
  /** crane, to make the base image. */
  cranePath: string;
  namespace?: string;
  say: (line: string) => void;
  signal?: AbortSignal;
  /** Give up waiting after this long (default 5 minutes). */
  timeoutMs?: number;
}

export interface PushOutcome {
  commit: string;
  answer: Record<string, unknown>;
  build?: BuildView;
  job: JobRecord;
  logs: string;
}

export interface BuildExampleResult {
  repoId: string;
  first: PushOutcome;
  second: PushOutcome;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Kinetic example",
  GIT_AUTHOR_EMAIL: "example@kinetic.local",
  GIT_COMMITTER_NAME: "Kinetic example",
  GIT_COMMITTER_EMAIL: "example@kinetic.local",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

function git(cwd: string, args: string[]): string {
  return execFileSync("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** A small base image made from files (no Docker, no internet): what the example builds on. */
export function pushBaseImage(cranePath: string, image: string): void {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-example-base-"));
  try {
    mkdirSync(join(dir, "root", "etc"), { recursive: true });
    writeFileSync(join(dir, "root", "etc", "os-release"), "ID=kinetic-example\n");
    execFileSync("tar", ["-cf", join(dir, "layer.tar"), "-C", join(dir, "root"), "."]);
    execFileSync(cranePath, ["append", "--insecure", "-f", join(dir, "layer.tar"), "-t", image], { stdio: "pipe" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The delivery GitHub sends for a push, signed with the webhook's secret. */
export function githubPushDelivery(
  secret: string,
  push: { repository: string; cloneUrl: string; branch: string; commit: string },
): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({
    ref: `refs/heads/${push.branch}`,
    after: push.commit,
    repository: { full_name: push.repository, clone_url: push.cloneUrl },
    head_commit: { id: push.commit },
  });
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomBytes(16).toString("hex"),
      "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
    },
  };
}

async function until<T>(
  what: string,
  deadline: number,
  signal: AbortSignal | undefined,
  poll: () => Promise<T | undefined>,
) {
  for (;;) {
    signal?.throwIfAborted();
    const v = await poll();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`the build example gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function runBuildExample(o: BuildExampleOptions): Promise<BuildExampleResult> {
  const { say } = o;
  const namespace = o.namespace ?? "default";
  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  const api = new BuildApiClient({ baseUrl: o.apiUrl, token: async () => o.token });
  const jobs = new KineticApiClient({ baseUrl: o.apiUrl, token: async () => o.token });
  const work = mkdtempSync(join(tmpdir(), "kinetic-build-example-"));
  try {
    const origin = join(work, "origin.git");
    const clone = join(work, "checkout");
    git(work, ["init", "--quiet", "--bare", origin]);
    git(work, ["init", "--quiet", clone]);
    cpSync(join(o.repoRoot, BUILD_EXAMPLE_DIR), clone, { recursive: true });
    git(clone, ["remote", "add", "origin", origin]);
    const cloneUrl = `file://${origin}`;
    say(`Build example: a Git repository from ${BUILD_EXAMPLE_DIR} at ${cloneUrl}`);

    const baseImage = `${o.registryHost}/kinetic/example-base:py`;
    pushBaseImage(o.cranePath, baseImage);
    say(`  base image ${baseImage} pushed to the local registry`);

    const { repo, secret } = await api.addRepo({
      provider: "github",
      repository: "example/kinetic-build",
      cloneUrl,
      branches: ["main"],
      namespace,
      build: { baseImage, accelerator: "cpu" },
    });
    const hook = `${o.hookUrl.replace(/\/+$/, "")}${repo.hookPath}`;
    say(`  registered ${repo.repository} as ${repo.id}: webhook ${hook} (secret shown once, kept by the example)`);

    const pushAndFollow = async (label: string): Promise<PushOutcome> => {
      git(clone, ["push", "--quiet", "origin", "HEAD:main"]);
      const commit = git(clone, ["rev-parse", "HEAD"]);
      say(`${label}: pushed ${commit.slice(0, 12)} to main; delivering the push event`);
      const delivery = githubPushDelivery(secret, { repository: repo.repository, cloneUrl, branch: "main", commit });
      const res = await fetch(hook, { method: "POST", headers: delivery.headers, body: delivery.body });
      const answer = (await res.json()) as Record<string, unknown>;
      if (res.status !== 202 || !answer.accepted)
        throw new Error(`the push hook answered ${res.status}: ${JSON.stringify(answer)}`);
      const push = (answer.push ?? {}) as {
        status?: string;
        buildId?: string;
        image?: string;
        jobs?: string[];
        message?: string;
      };
      say(
        `  webhook → 202: ${push.status ?? "accepted"}${push.buildId ? `, build ${push.buildId.slice(0, 12)}…` : ""}`,
      );
      if (push.status === "failed") throw new Error(`the push failed: ${push.message ?? "no reason"}`);
      let build: BuildView | undefined;
      if (!push.buildId && push.image) say(`  image up to date (${push.image}): nothing built`);
      else if (push.buildId) {
        let shown = 0;
        build = await until("the build", deadline, o.signal, async () => {
          const b = await api.getBuild(push.buildId!, namespace);
          const tail = b.logTail ?? [];
          for (const line of tail.slice(shown)) say(`  | ${line.length > 150 ? `${line.slice(0, 149)}…` : line}`);
          shown = tail.length;
          return b.state === "SUCCEEDED" || b.state === "FAILED" ? b : undefined;
        });
        if (build.state !== "SUCCEEDED") throw new Error(`build ${build.id} ${build.state}: ${build.message ?? ""}`);
        say(
          `  built ${build.image.replace(/:[^:/]+$/, "")}@${build.digest ?? "?"} in ${((build.durationMs ?? 0) / 1000).toFixed(1)} s`,
        );
      }
      const jobId = push.jobs?.[0];
      if (!jobId) throw new Error(`the push submitted no job: ${push.message ?? JSON.stringify(answer)}`);
      let state = "";
      const job = await until(`job ${jobId}`, deadline, o.signal, async () => {
        const j = await jobs.getJob(jobId, { namespace });
        if (j.state !== state) say(`  job ${jobId}: ${(state = j.state)}${j.reason ? ` (${j.reason})` : ""}`);
        return ["SUCCEEDED", "FAILED", "CANCELLED", "REJECTED"].includes(j.state) ? j : undefined;
      });
      const logs = await jobs.logs(jobId, { namespace });
      for (const line of logs.trim().split("\n").slice(-3)) say(`  > ${line}`);
      if (job.state !== "SUCCEEDED") throw new Error(`job ${jobId} ended ${job.state}: ${job.message ?? ""}`);
      return { commit, answer, ...(build ? { build } : {}), job, logs };
    };

    git(clone, ["add", "-A"]);
    git(clone, ["commit", "--quiet", "-m", "train: first version"]);
    const first = await pushAndFollow("Push 1");
    git(clone, ["commit", "--quiet", "--allow-empty", "-m", "retrain: same code"]);
    const second = await pushAndFollow("Push 2 (same content, new commit)");
    say(`Build example done: ${first.job.image ?? "image"} ran twice, built once.`);
    return { repoId: repo.id, first, second };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
