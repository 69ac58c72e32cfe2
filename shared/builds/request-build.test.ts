import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { MemoryDocs } from "../store/memory-docs.ts";
import { DocBuildStore } from "../store/build-store.ts";
import { BuildFailure } from "./builder.ts";
import { KIT_BASE, KIT_BASE_DIGEST, MemoryBuilder, MemoryRegistry } from "./build-test-kit.ts";
import { executeBuild, type BuildDeps } from "./execute.ts";
import { requestBuild } from "./request-build.ts";
import { waitForBuild } from "./wait.ts";

const BASE = KIT_BASE;
const BASE_DIGEST = KIT_BASE_DIGEST;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function context(files: Record<string, string> = { "train.py": "print(1)\n" }): string {
  const d = mkdtempSync(join(tmpdir(), "kinetic-req-"));
  dirs.push(d);
  for (const [n, c] of Object.entries(files)) writeFileSync(join(d, n), c);
  return d;
}

function setup() {
  const registry = new MemoryRegistry();
  const builder = new MemoryBuilder(registry, { delayMs: 30, resolvedPackages: { numpy: "2.1.0" } });
  const docs = new MemoryDocs();
  const clock = new ManualClock();
  const builds = new DocBuildStore(docs, { clock });
  const deps: BuildDeps = { builds, registry, builder, clock, defaultRepository: "reg.test/kinetic/train" };
  return { registry, builder, docs, builds, deps };
}

const request = (path: string, extra: Record<string, unknown> = {}) => ({
  context: { kind: "dir", path },
  baseImage: BASE,
  accelerator: "cpu",
  requirements: "numpy\n",
  ...extra,
});

describe("requestBuild", () => {
  it("100 concurrent requests for the same inputs start exactly one build; every caller ends with its image", async () => {
    const { builder, builds, deps } = setup();
    const dir = context();
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () => requestBuild(deps, request(dir), { run: "inline" })),
    );
    expect(builder.calls).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === "started")).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.key)).size).toBe(1);
    for (const o of outcomes) {
      expect(["started", "joined", "up-to-date"]).toContain(o.status);
      const digest =
        o.status === "up-to-date" ? o.digest : (await waitForBuild(builds, o.build.id, { pollMs: 5 })).digest;
      expect(digest).toBe("sha256:" + o.key);
    }
    const done = await builds.latest(outcomes[0]!.key);
    expect(done).toMatchObject({ state: "SUCCEEDED", attempt: 1, resolvedPackages: { numpy: "2.1.0" } });
    expect(done?.logTail).toContain(`building ${outcomes[0]!.key}`);
  });

  it("an image already in the registry is reused: one or two registry requests, nothing written or built", async () => {
    const { builder, docs, registry, deps } = setup();
    const dir = context();
    const first = await requestBuild(deps, request(dir), { run: "inline" });
    expect(first.status).toBe("started");
    const writes = docs.stats.writes;
    const heads = registry.heads;
    const again = await requestBuild(deps, request(dir), { run: "inline" });
    expect(again).toMatchObject({ status: "up-to-date", key: first.key, digest: "sha256:" + first.key });
    expect(builder.calls).toHaveLength(1);
    expect(docs.stats.writes).toBe(writes);
    expect(registry.heads - heads).toBe(2); // the base image's tag, then the key's tag
    // A base pinned by digest needs no resolution: the up-to-date check is one registry request.
    const pinned = request(dir, { baseImage: `reg.test/kinetic/base@${BASE_DIGEST}` });
    expect((await requestBuild(deps, pinned, { run: "inline" })).key).toBe(first.key);
    const heads2 = registry.heads;
    expect((await requestBuild(deps, pinned, { run: "inline" })).status).toBe("up-to-date");
    expect(registry.heads - heads2).toBe(1);
  });

  it("a requirement that cannot be installed is a FAILED build with its reason and log; it is retried only on request", async () => {
    const { builder, deps } = setup();
    const dir = context();
    builder.fail = new BuildFailure("RequirementsFailed", "the requirements could not be installed: no nosuchpkg");
    const failed = await requestBuild(deps, request(dir), { run: "inline" });
    expect(failed.status).toBe("started");
    expect(failed.build).toMatchObject({ state: "FAILED", reason: "RequirementsFailed" });
    expect(failed.build?.logTail?.at(-1)).toMatch(/nosuchpkg/);
    expect((await requestBuild(deps, request(dir), { run: "inline" })).status).toBe("failed");
    expect(builder.calls).toHaveLength(1);
    builder.fail = undefined;
    const retried = await requestBuild(deps, request(dir), { run: "inline", retryFailed: true });
    expect(retried).toMatchObject({ status: "started", build: { attempt: 2, state: "SUCCEEDED" } });
  });

  it("a missing base image and a context over the limit are FAILED builds, with nothing built", async () => {
    const { builder, deps } = setup();
    const dir = context();
    const missing = await requestBuild(deps, request(dir, { baseImage: "reg.test/kinetic/nope:1" }));
    expect(missing).toMatchObject({ status: "failed", build: { state: "FAILED", reason: "BaseImageMissing" } });
    // Asking again finds the same FAILED record instead of making another.
    const again = await requestBuild(deps, request(dir, { baseImage: "reg.test/kinetic/nope:1" }));
    expect(again.status === "failed" && again.build.id).toBe(missing.status === "failed" && missing.build.id);
    const big = await requestBuild(
      { ...deps, contextLimits: { maxBytes: 10 } },
      request(context({ "a.bin": "x".repeat(100) })),
    );
    expect(big).toMatchObject({ status: "failed", build: { reason: "ContextTooLarge" } });
    expect(builder.calls).toHaveLength(0);
  });

  it("rejects a bad request before any work", async () => {
    const { registry, deps } = setup();
    await expect(
      requestBuild(deps, { context: { kind: "dir" }, baseImage: "Bad Ref", accelerator: "fpga" }),
    ).rejects.toMatchObject({
      code: "invalid-argument",
    });
    expect(registry.heads).toBe(0);
  });

  it("a transient fault gives the claim back; the redelivery builds it", async () => {
    const { builder, builds, deps } = setup();
    const dir = context();
    const queued = await requestBuild(deps, request(dir), { run: "queue" });
    expect(queued).toMatchObject({ status: "started", build: { state: "QUEUED" } });
    builder.fail = new Error("registry connection reset");
    await expect(executeBuild(deps, queued.status === "started" ? queued.build : (undefined as never))).rejects.toThrow(
      /reset/,
    );
    const held = await builds.get(queued.status === "started" ? queued.build.id : "");
    expect(held).toMatchObject({ state: "BUILDING" });
    expect(held?.claimOwner).toBeUndefined();
    builder.fail = undefined;
    const done = await executeBuild(deps, held!);
    expect(done).toMatchObject({ state: "SUCCEEDED", digest: "sha256:" + done.key });
    expect(builder.calls).toHaveLength(2);
  });

  it("a build handed to a backend that reports its own end is not started again when its claim lapses", async () => {
    const { builds, deps, registry } = setup();
    let starts = 0;
    const asyncBuilder = {
      recipe: "async@1",
      start: async () => {
        starts++;
        return { status: "started" as const, externalId: "cb-1" };
      },
    };
    const d = { ...deps, builder: asyncBuilder, claimMs: 1000 };
    const o = await requestBuild(d, request(context()), { run: "inline" });
    expect(o).toMatchObject({ status: "started", build: { state: "BUILDING", externalId: "cb-1" } });
    (deps.clock as ManualClock).advance(5000);
    const again = await executeBuild(d, (await builds.get(o.status === "started" ? o.build.id : ""))!);
    expect(again).toMatchObject({ state: "BUILDING", externalId: "cb-1" });
    expect(starts).toBe(1);
    expect(registry.heads).toBeGreaterThan(0);
  });
});
