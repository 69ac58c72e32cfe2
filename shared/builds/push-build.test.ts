// runPushBuild on memory deps (memory registry and builder) with real Git repositories on disk: what a push
// builds, which jobs it submits, and what it records when the commit does not hold what the registration names.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RepoDoc } from "../store/repo-store.ts";
import { buildJobDeps, KIT_BASE, gitIn } from "./build-test-kit.ts";
import { runPushBuild, type PushPlan } from "./push-build.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A repository with these files, committed; answers its file:// URL and commit. */
function repoWith(files: Record<string, string>): { url: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-push-build-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const git = (...args: string[]) => gitIn(dir, ...args);
  git("init", "--quiet");
  git("add", "-A");
  git("commit", "--quiet", "-m", "c");
  return { url: `file://${dir}`, commit: git("rev-parse", "HEAD") };
}

async function setup(files: Record<string, string>, build: Partial<RepoDoc["build"]> = {}) {
  const deps = buildJobDeps({ namespaces: ["ml"] });
  const { url, commit } = repoWith(files);
  const repo: RepoDoc = {
    id: "train-0123456789",
    provider: "github",
    repository: "acme/train",
    cloneUrl: url,
    branches: [],
    namespace: "ml",
    build: { baseImage: KIT_BASE, accelerator: "cpu", ...build },
    createdAt: "2026-03-01T00:00:00.000Z",
    createdBy: "ops",
  };
  await deps.repos.create(repo);
  const plan: PushPlan = {
    repo,
    push: {
      provider: "github",
      repository: "acme/train",
      cloneUrl: "ignored",
      ref: "refs/heads/main",
      branch: "main",
      commit,
    },
  };
  const run = () =>
    runPushBuild({ images: deps.images, jobs: deps, repos: deps.repos, buildRefs: deps.buildRefs }, plan);
  return { deps, repo, commit, run };
}

const JOBS =
  "jobs:\n  - name: train\n    command: [python3, train.py]\n  - name: eval\n    command: [python3, eval.py]\n";

describe("runPushBuild", () => {
  it("requests the commit's build (subdir and requirements included), publishes build.run, and submits the job file's jobs waiting on it", async () => {
    const { deps, commit, run, repo } = await setup(
      {
        "model/train.py": "print(1)\n",
        "model/requirements.txt": "numpy==2.0\n",
        "model/kinetic.jobs.yaml": JOBS,
        README: "x",
      },
      { subdir: "model" },
    );
    const summary = await run();
    expect(summary).toMatchObject({
      status: "jobs-submitted",
      commit,
      branch: "main",
      jobs: [`train-${commit.slice(0, 12)}`, `eval-${commit.slice(0, 12)}`],
    });
    const build = (await deps.builds.get(summary.buildId!))!;
    expect(build.request).toMatchObject({
      context: { kind: "git", commit, subdir: "model" },
      requirements: "numpy==2.0\n",
    });
    expect(deps.bus.messages.filter((m) => m.topic === "builds").map((m) => m.data)).toEqual([
      { type: "build.run", buildId: build.id },
    ]);
    for (const id of summary.jobs!) {
      const job = await deps.store.get({ namespace: "ml", id });
      expect(job).toMatchObject({ state: "BUILDING", buildId: build.id });
    }
    expect(await deps.buildRefs.has("ml", build.id)).toBe(true);
    expect((await deps.repos.get(repo.id))?.lastPush).toEqual(summary);
    // The same push again (a redelivery that got past the ledger): the same build and the same jobs, nothing new.
    const again = await run();
    expect(again).toMatchObject({ buildId: build.id, jobs: summary.jobs });
    expect(deps.builder.calls).toHaveLength(0);
    expect(deps.bus.messages.filter((m) => m.topic === "builds")).toHaveLength(1);
  });

  it("records why nothing ran: a named requirements file missing, a bad job file, a commit that cannot be fetched", async () => {
    const missing = await setup({ "train.py": "x" }, { requirementsPath: "reqs/prod.txt" });
    expect(await missing.run()).toMatchObject({
      status: "failed",
      message: expect.stringMatching(/reqs\/prod\.txt is not in commit/),
    });
    expect(await missing.deps.builds.list()).toEqual([]);

    const bad = await setup({ "train.py": "x", "kinetic.jobs.yaml": "jobs:\n  - name: t\n    image: x\n" });
    const out = await bad.run();
    expect(out).toMatchObject({ status: "failed", message: expect.stringMatching(/jobs\.0\.image: set by Kinetic/) });
    expect(out.buildId).toBeDefined(); // the image is still built

    const gone = await setup({ "train.py": "x" });
    gone.repo.cloneUrl = "file:///nonexistent/repo.git";
    const failed = await gone.run();
    expect(failed).toMatchObject({ status: "failed", message: expect.stringMatching(/CommitUnavailable/) });
  });
});
