/**
 * Image builds on real parts: the local registry (distribution), crane
 * appending real layers onto a base image this test pushes, pip resolving
 * requirements from a local wheelhouse, Git repositories on disk, and build
 * records on the Firestore emulator. No Docker daemon, no internet.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { DocBuildStore } from "../../shared/store/build-store.ts";
import { OciRegistryClient } from "../../shared/registry/oci-client.ts";
import { CraneBuilder } from "../../shared/builds/backends/crane.ts";
import type { BuildPlan, ImageBuilder } from "../../shared/builds/builder.ts";
import type { BuildDeps } from "../../shared/builds/execute.ts";
import { requestBuild, type BuildOutcome } from "../../shared/builds/request-build.ts";
import { waitForBuild } from "../../shared/builds/wait.ts";
import { BUILD_KEY_LABEL } from "../../shared/builds/key.ts";
import { claimPush, docLedger } from "../../shared/builds/delivery-ledger.ts";
import { requireBinary, startRegistry, type LocalRegistry } from "../../testbed/registry/registry.ts";
import { crane, makeWheels, pushImageFromFiles, writeTree } from "../../testbed/registry/fixtures.ts";
import { testFirestore } from "./support.ts";

let reg: LocalRegistry;
let work: string;
let wheelhouse: string;
let base: string;

const TRAIN = {
  "train.py": "import kinetic_demo\nprint('training')\n",
  "pkg/model.py": "W = 1\n",
  ".kineticignore": "data/\n",
};

/** The crane builder, counting the builds it really starts. */
class CountingBuilder implements ImageBuilder {
  readonly inner: CraneBuilder;
  readonly recipe: string;
  starts = 0;
  constructor(inner: CraneBuilder) {
    this.inner = inner;
    this.recipe = inner.recipe;
  }
  start(plan: BuildPlan, log: (line: string) => void) {
    this.starts++;
    return this.inner.start(plan, log);
  }
}

function deps(): BuildDeps & { builder: CountingBuilder; builds: DocBuildStore } {
  const builder = new CountingBuilder(
    new CraneBuilder({ crane: requireBinary("crane"), pip: { args: ["--no-index", "--find-links", wheelhouse] } }),
  );
  return {
    builds: new DocBuildStore(new FirestoreDocs(testFirestore("builds"))),
    registry: new OciRegistryClient(),
    builder,
    clock: systemClock,
    defaultRepository: `${reg.host}/kinetic/train`,
    progressMs: 200,
  };
}

function context(files: Record<string, string> = TRAIN): string {
  const dir = mkdtempSync(join(work, "ctx-"));
  writeTree(dir, files);
  return dir;
}

const request = (path: string, extra: Record<string, unknown> = {}) => ({
  context: { kind: "dir", path },
  baseImage: base,
  accelerator: "cpu",
  requirements: "kinetic-demo\n",
  ...extra,
});

async function finalDigest(d: BuildDeps & { builds: DocBuildStore }, o: BuildOutcome): Promise<string | undefined> {
  if (o.status === "up-to-date") return o.digest;
  return (await waitForBuild(d.builds, o.build.id, { pollMs: 100, timeoutMs: 120_000 })).digest;
}

beforeAll(async () => {
  reg = await startRegistry();
  work = mkdtempSync(join(tmpdir(), "kinetic-builds-it-"));
  wheelhouse = join(work, "wheels");
  makeWheels(wheelhouse, [
    { name: "kinetic-demo", version: "1.0.0", requires: ["kinetic-dep>=0.2"] },
    { name: "kinetic-demo", version: "0.9.0" },
    { name: "kinetic-dep", version: "0.3.0" },
  ]);
  base = `${reg.host}/kinetic/base:py`;
  await pushImageFromFiles(base, { "etc/os-release": "ID=kinetic-test\n" });
});
afterAll(async () => {
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("builds on the local registry and the Firestore emulator", () => {
  it("builds real layers onto the base image, labels and tags it with the key, and records what pip resolved", async () => {
    const d = deps();
    const dir = context();
    writeTree(dir, { "data/huge.csv": "ignored\n" });
    const o = await requestBuild(d, request(dir), { run: "inline" });
    expect(o.status).toBe("started");
    if (o.status !== "started") return;
    expect(o.build).toMatchObject({ state: "SUCCEEDED", reason: "Built", attempt: 1 });
    expect(o.build.resolvedPackages).toEqual({ "kinetic-demo": "1.0.0", "kinetic-dep": "0.3.0" });
    expect(o.build.durationMs).toBeGreaterThan(0);
    expect(o.build.logTail?.join("\n")).toMatch(/resolved 2 wheel/);
    const head = await d.registry.head(`${reg.host}/kinetic/train:${o.key}`);
    expect(head?.digest).toBe(o.build.digest);
    const labels = await d.registry.labels(`${reg.host}/kinetic/train:${o.key}`);
    expect(labels).toMatchObject({ [BUILD_KEY_LABEL]: o.key, "dev.kinetic.accelerator": "cpu" });
    const config = JSON.parse(crane(["config", `${reg.host}/kinetic/train:${o.key}`]).toString()) as {
      config: { Env: string[]; WorkingDir: string };
    };
    expect(config.config.WorkingDir).toBe("/workspace");
    expect(config.config.Env).toContain(`KINETIC_BUILD_KEY=${o.key}`);
    const fs = crane(["export", `${reg.host}/kinetic/train:${o.key}`, "-"]);
    const listing = execFileSync("tar", ["-t"], { input: fs, encoding: "utf8", maxBuffer: 1 << 26 }).split("\n");
    expect(listing).toEqual(
      expect.arrayContaining([
        "etc/os-release",
        "workspace/train.py",
        "workspace/pkg/model.py",
        "opt/kinetic/requirements.lock",
        "opt/kinetic/wheels/kinetic_demo-1.0.0-py3-none-any.whl",
        "opt/kinetic/wheels/kinetic_dep-0.3.0-py3-none-any.whl",
      ]),
    );
    expect(listing.some((p) => p.includes("data/") || p.endsWith(".kineticignore"))).toBe(false);
    const lock = execFileSync("tar", ["-xO", "opt/kinetic/requirements.lock"], { input: fs, encoding: "utf8" });
    expect(lock).toBe("kinetic-demo==1.0.0\nkinetic-dep==0.3.0\n");
  });

  it("the same content again — another directory, another mtime, or a Git commit — builds nothing", async () => {
    const d = deps();
    const first = await requestBuild(d, request(context()), { run: "inline" });
    const again = await requestBuild(d, request(context()), { run: "inline" });
    expect(again).toMatchObject({ status: "up-to-date", key: first.key, digest: await finalDigest(d, first) });
    const repo = context();
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        cwd: repo,
        encoding: "utf8",
      }).trim();
    git("init", "--quiet");
    git("add", "-A");
    git("commit", "--quiet", "-m", "train");
    const commit = git("rev-parse", "HEAD");
    const fromGit = await requestBuild(d, request("", { context: { kind: "git", url: `file://${repo}`, commit } }), {
      run: "inline",
    });
    expect(fromGit).toMatchObject({ status: "up-to-date", key: first.key });
    // The same files in a folder of a bigger repository, built with `subdir`: the same image again.
    const mono = context(Object.fromEntries(Object.entries(TRAIN).map(([p, t]) => [`svc/${p}`, t])));
    writeTree(mono, { "README.md": "other things\n", "web/index.js": "1\n" });
    const gitMono = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        cwd: mono,
        encoding: "utf8",
      }).trim();
    gitMono("init", "--quiet");
    gitMono("add", "-A");
    gitMono("commit", "--quiet", "-m", "mono");
    const monoCommit = gitMono("rev-parse", "HEAD");
    const sub = await requestBuild(
      d,
      request("", { context: { kind: "git", url: `file://${mono}`, commit: monoCommit, subdir: "svc" } }),
    );
    expect(sub).toMatchObject({ status: "up-to-date", key: first.key });
    const missing = await requestBuild(
      d,
      request("", { context: { kind: "git", url: `file://${mono}`, commit: "e".repeat(40) } }),
    );
    expect(missing).toMatchObject({ status: "failed", build: { state: "FAILED", reason: "CommitUnavailable" } });
    expect(d.builder.starts).toBeLessThanOrEqual(1);
  });

  it("100 concurrent requests with new inputs: exactly 1 build, and all 100 end with its image", async () => {
    const d = deps();
    const dir = context({ ...TRAIN, "train.py": "print('concurrent')\n" });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () => requestBuild(d, request(dir), { run: "inline" })),
    );
    expect(d.builder.starts).toBe(1);
    expect(outcomes.filter((o) => o.status === "started")).toHaveLength(1);
    const digests = await Promise.all(outcomes.map((o) => finalDigest(d, o)));
    expect(new Set(digests).size).toBe(1);
    expect(digests[0]).toBe((await d.registry.head(`${reg.host}/kinetic/train:${outcomes[0]!.key}`))?.digest);
  });

  it("a requirement that cannot be installed, and a missing base image, are FAILED builds with the reason", async () => {
    const d = deps();
    const bad = await requestBuild(d, request(context(), { requirements: "kinetic-demo\nno-such-package==1.0\n" }), {
      run: "inline",
    });
    expect(bad).toMatchObject({ status: "started", build: { state: "FAILED", reason: "RequirementsFailed" } });
    expect(bad.status !== "up-to-date" && bad.build.message).toMatch(/no-such-package/);
    expect(bad.status !== "up-to-date" && bad.build.logTail?.join("\n")).toMatch(/No matching distribution/);
    const noBase = await requestBuild(d, request(context(), { baseImage: `${reg.host}/kinetic/base:missing` }));
    expect(noBase).toMatchObject({ status: "failed", build: { state: "FAILED", reason: "BaseImageMissing" } });
    expect(d.builder.starts).toBe(1);
    // A base pinned to a digest the registry does not have: the build itself finds out.
    const gone = `${reg.host}/kinetic/base@sha256:${"0".repeat(64)}`;
    const pinned = await requestBuild(d, request(context(), { baseImage: gone, requirements: undefined }), {
      run: "inline",
    });
    expect(pinned).toMatchObject({ status: "started", build: { state: "FAILED", reason: "BaseImageMissing" } });
  });

  it("a multi-platform base (an OCI index) is built on its linux/amd64 image", async () => {
    const d = deps();
    crane(["mutate", base, "--set-platform", "linux/amd64", "-t", `${reg.host}/kinetic/base:amd64`]);
    crane(["index", "append", "-m", `${reg.host}/kinetic/base:amd64`, "-t", `${reg.host}/kinetic/base:multi`]);
    const o = await requestBuild(
      d,
      request(context({ "m.py": "print('multi')\n" }), {
        baseImage: `${reg.host}/kinetic/base:multi`,
        requirements: undefined,
      }),
      {
        run: "inline",
      },
    );
    expect(o).toMatchObject({ status: "started", build: { state: "SUCCEEDED" } });
    const config = JSON.parse(crane(["config", o.image]).toString()) as { architecture: string; os: string };
    expect(config).toMatchObject({ architecture: "amd64", os: "linux" });
  });

  it("push delivery dedupe on Firestore: 50 concurrent copies of two deliveries of one commit, one goes ahead", async () => {
    const ledger = docLedger(new FirestoreDocs(testFirestore("ledger")), systemClock);
    const repo = { id: "r1", provider: "github" as const, repository: "acme/train", secrets: ["s"] };
    const push = (deliveryId: string) => ({
      repo,
      deliveryId,
      push: {
        provider: "github" as const,
        repository: "acme/train",
        cloneUrl: "u",
        ref: "refs/heads/main",
        commit: "c".repeat(40),
      },
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => claimPush(ledger, push(i % 2 ? "d-1" : "d-2"))),
    );
    expect(results.filter((r) => r === "new")).toHaveLength(1);
  });

  it("the same plan builds to the same digest (deterministic layers)", async () => {
    const d = deps();
    const dir = context({ "a.py": "print('same')\n" });
    const a = await requestBuild(d, request(dir, { repository: `${reg.host}/kinetic/one` }), { run: "inline" });
    const b = await requestBuild(d, request(dir, { repository: `${reg.host}/kinetic/two` }), { run: "inline" });
    expect(a.key).toBe(b.key);
    expect(await finalDigest(d, a)).toBe(await finalDigest(d, b));
  });
});
