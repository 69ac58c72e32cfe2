/**
 * Image builds on real parts: the Firestore emulator, the local registry
 * (distribution) and crane with pip resolving from a local wheelhouse.
 *
 * 1. 1,000 concurrent requests with identical, never-built inputs: how many
 *    builds start (must be 1), and how the other 999 ended (joined, or
 *    up-to-date once the image was pushed).
 * 2. The up-to-date check on the built image — key computed from the
 *    context plus the registry request(s) — with the base named by digest (one
 *    request) and by tag (two: the tag is resolved first), against a bare
 *    registry HEAD measured in the same run as the floor.
 * 3. 1,000 concurrent job submissions naming identical, never-built inputs
 *    (jobs-with-builds.ts): how many builds start (must be 1) and how many
 *    jobs go on with its digest once it ends (must be 1,000), on in-memory
 *    stores and cluster (the emulator would measure itself), the real
 *    registry and crane. Floor: 1,000 submissions of plain-image jobs in the
 *    same run.
 *
 * Run: npm run bench -- builds
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { systemClock } from "../shared/clock.ts";
import { FirestoreDocs } from "../shared/store/firestore-docs.ts";
import { DocBuildStore } from "../shared/store/build-store.ts";
import { OciRegistryClient } from "../shared/registry/oci-client.ts";
import { CraneBuilder } from "../shared/builds/backends/crane.ts";
import type { BuildPlan, ImageBuilder } from "../shared/builds/builder.ts";
import type { BuildDeps } from "../shared/builds/execute.ts";
import { requestBuild } from "../shared/builds/request-build.ts";
import { waitForBuild } from "../shared/builds/wait.ts";
import { requireBinary, startRegistry } from "../testbed/registry/registry.ts";
import { makeWheels, pushImageFromFiles, writeTree } from "../testbed/registry/fixtures.ts";
import { startBenchEnv, summarize } from "./lib.ts";
import { benchJobsWithBuilds } from "./jobs-with-builds.ts";

const CONCURRENT = 1000;
const CHECKS = 300;

const env = await startBenchEnv({ cluster: false });
const reg = await startRegistry();
const work = mkdtempSync(join(tmpdir(), "kinetic-bench-builds-"));
try {
  const wheels = join(work, "wheels");
  makeWheels(wheels, [{ name: "kinetic-demo", version: "1.0.0" }]);
  const baseTag = `${reg.host}/kinetic/base:1`;
  const baseDigest = await pushImageFromFiles(baseTag, { "etc/base": "base\n" });
  const ctx = join(work, "ctx");
  writeTree(ctx, {
    "train.py": "print('bench')\n",
    ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`pkg/m${i}.py`, `X = ${i}\n`])),
  });

  let starts = 0;
  const crane = new CraneBuilder({
    crane: requireBinary("crane"),
    pip: { args: ["--no-index", "--find-links", wheels] },
  });
  const builder: ImageBuilder = {
    recipe: crane.recipe,
    start: (plan: BuildPlan, log: (l: string) => void) => {
      starts++;
      return crane.start(plan, log);
    },
  };
  const docs = new FirestoreDocs(new Firestore({ projectId: "bench-builds" }));
  const registry = new OciRegistryClient();
  const deps: BuildDeps = {
    builds: new DocBuildStore(docs),
    registry,
    builder,
    clock: systemClock,
    defaultRepository: `${reg.host}/kinetic/train`,
  };
  const request = (base: string) => ({
    context: { kind: "dir", path: ctx },
    baseImage: base,
    accelerator: "cpu",
    requirements: "kinetic-demo\n",
  });

  // 1. Concurrent identical submissions.
  const t0 = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: CONCURRENT }, () => requestBuild(deps, request(baseTag), { run: "inline" })),
  );
  const digests = await Promise.all(
    outcomes.map(async (o) =>
      o.status === "up-to-date" ? o.digest : (await waitForBuild(deps.builds, o.build.id, { pollMs: 200 })).digest,
    ),
  );
  const wall = performance.now() - t0;
  const by: Record<string, number> = {};
  for (const o of outcomes) by[o.status] = (by[o.status] ?? 0) + 1;
  console.log(`${CONCURRENT} concurrent submissions, identical inputs: ${starts} build(s) started`);
  console.log(
    `  outcomes: ${JSON.stringify(by)}; distinct digests: ${new Set(digests).size}; wall ${(wall / 1000).toFixed(1)} s`,
  );
  console.log(`  Firestore: ${docs.stats.reads} reads, ${docs.stats.writes} writes in all`);
  if (starts !== 1 || new Set(digests).size !== 1) throw new Error("expected exactly one build and one digest");

  // 2. The up-to-date check, against the bare registry request.
  const key = outcomes[0]!.key;
  const image = `${reg.host}/kinetic/train:${key}`;
  const bare: number[] = [];
  const pinned: number[] = [];
  const tagged: number[] = [];
  for (let i = 0; i < CHECKS; i++) {
    let t = performance.now();
    await registry.head(image);
    bare.push(performance.now() - t);
    t = performance.now();
    const a = await requestBuild(deps, request(`${reg.host}/kinetic/base@${baseDigest}`));
    pinned.push(performance.now() - t);
    t = performance.now();
    const b = await requestBuild(deps, request(baseTag));
    tagged.push(performance.now() - t);
    if (a.status !== "up-to-date" || b.status !== "up-to-date") throw new Error("expected up-to-date");
  }
  console.log(summarize("bare registry HEAD (floor)", bare));
  console.log(summarize("up-to-date check, base by digest (1 request)", pinned));
  console.log(summarize("up-to-date check, base by tag (2 requests)", tagged));
  console.log(`  context: 51 files; builds started during the checks: ${starts - 1}`);

  // 3. Jobs that name a build.
  await benchJobsWithBuilds({ registryHost: reg.host, baseImage: baseTag, wheels, work });
} finally {
  await reg.stop();
  await env.stop();
  rmSync(work, { recursive: true, force: true });
}
