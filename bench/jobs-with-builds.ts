/**
 * The builds bench's third figure: 1,000 concurrent job submissions naming
 * identical, never-built inputs wait on exactly one build, and all 1,000 go
 * on with its digest once it ends. The jobs live in memory (stores with
 * Firestore's transaction semantics, the memory cluster); the build is real
 * (crane into the local registry). The floor is 1,000 submissions of
 * plain-image jobs in the same deps, in the same run.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CraneBuilder } from "../shared/builds/backends/crane.ts";
import type { BuildPlan, ImageBuilder } from "../shared/builds/builder.ts";
import { handleBuildRun } from "../shared/builds/build-run.ts";
import { OciRegistryClient } from "../shared/registry/oci-client.ts";
import { submitJob } from "../shared/jobs/submit.ts";
import { memoryDeps } from "../shared/testing.ts";
import { requireBinary } from "../testbed/registry/registry.ts";
import { writeTree } from "../testbed/registry/fixtures.ts";

const JOBS = 1000;
/** Function instances the submissions spread over: each has its own in-flight requests; they share the stores. */
const INSTANCES = 20;

export async function benchJobsWithBuilds(o: {
  registryHost: string;
  baseImage: string;
  wheels: string;
  work: string;
}) {
  const deps = memoryDeps({ namespaces: ["bench"] });
  let starts = 0;
  let buildMs = 0;
  const crane = new CraneBuilder({
    crane: requireBinary("crane"),
    pip: { args: ["--no-index", "--find-links", o.wheels] },
  });
  const builder: ImageBuilder = {
    recipe: crane.recipe,
    start: async (plan: BuildPlan, log: (l: string) => void) => {
      starts++;
      const t0 = performance.now();
      try {
        return await crane.start(plan, log);
      } finally {
        buildMs += performance.now() - t0;
      }
    },
  };
  deps.images = {
    builds: deps.builds,
    registry: new OciRegistryClient(),
    builder,
    clock: deps.clock,
    log: deps.log,
    bus: deps.bus,
    defaultRepository: `${o.registryHost}/kinetic/jobs`,
    localContexts: true,
  };
  const ctx = join(o.work, "ctx-jobs");
  writeTree(ctx, { "train.py": "print('1,000 jobs')\n" });
  const spec = (i: number, extra: Record<string, unknown>) => ({
    id: `j-${i}`,
    namespace: "bench",
    command: ["python", "train.py"],
    ...extra,
  });
  const instances = Array.from({ length: INSTANCES }, () => ({ ...deps, images: { ...deps.images! } }));
  const submitAll = (extra: (i: number) => Record<string, unknown>) =>
    Promise.all(
      Array.from({ length: JOBS }, (_, i) =>
        submitJob(instances[i % INSTANCES]!, {
          spec: spec(i, extra(i)),
          principal: "bench",
          source: "bench",
          recordRejections: false,
        }),
      ),
    );

  // Floor: plain-image jobs (no build), same deps.
  let t = performance.now();
  await submitAll((i) => ({ id: `plain-${i}`, image: "python:3.12-slim" }));
  const floorMs = performance.now() - t;
  const plainObjects = deps.cluster.objects.size;

  const before = { ...deps.docs.stats };
  t = performance.now();
  const outs = await submitAll(() => ({
    build: { context: { kind: "dir", path: ctx }, baseImage: o.baseImage, requirements: "kinetic-demo\n" },
  }));
  const submitMs = performance.now() - t;
  const building = outs.filter((x) => "job" in x && x.job?.state === "BUILDING").length;
  const runs = deps.bus.messages.filter((m) => m.topic === "builds");
  t = performance.now();
  // What buildImage does with the one build.run: the build, then the wake of every waiting job.
  const envelope = (data: unknown) => ({
    id: "bench-run",
    data: { message: { data: Buffer.from(JSON.stringify(data)).toString("base64"), messageId: "bench-run" } },
  });
  const done = await Promise.all(runs.map((m) => handleBuildRun(deps, envelope(m.data))));
  const wakeMs = performance.now() - t;
  const jobs = (await deps.store.list({ namespace: "bench", state: "SUBMITTED", limit: 500 })).jobs.length;
  const onDigest = [...deps.cluster.objects.keys()].length - plainObjects;
  const cost = { reads: deps.docs.stats.reads - before.reads, writes: deps.docs.stats.writes - before.writes };
  console.log(
    `${JOBS} concurrent job submissions naming identical build inputs (over ${INSTANCES} instances): ` +
      `${starts} build(s) started`,
  );
  console.log(
    `  ${building} waited in BUILDING; build.run published ${runs.length}×; after the build: ${onDigest} workloads ` +
      `created with its digest (woken ${done.map((d) => (d.status === "done" ? d.woken.advanced : 0)).join("+")})`,
  );
  const totalMs = submitMs + wakeMs - buildMs;
  console.log(
    `  submit ${(submitMs / 1000).toFixed(2)} s (all to BUILDING); the build ${(buildMs / 1000).toFixed(2)} s; ` +
      `the wake of ${JOBS} ${((wakeMs - buildMs) / 1000).toFixed(2)} s`,
  );
  console.log(
    `  ${JOBS} jobs to workloads, build time aside: ${(totalMs / 1000).toFixed(2)} s vs ${(floorMs / 1000).toFixed(2)} s ` +
      `for ${JOBS} plain-image jobs (floor, same run): ${(totalMs / floorMs).toFixed(2)}×`,
  );
  console.log(
    `  store ops (memory, Firestore semantics) per build job, submit + wake: ${(cost.reads / JOBS).toFixed(1)} reads, ` +
      `${(cost.writes / JOBS).toFixed(1)} writes`,
  );
  if (starts !== 1 || onDigest !== JOBS || jobs === 0)
    throw new Error(`expected 1 build and ${JOBS} jobs on its digest, got ${starts} and ${onDigest}`);
}
