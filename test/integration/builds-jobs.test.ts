/**
 * Jobs that name a build, on real parts: jobs recorded in the Firestore
 * emulator, build.run published to the Pub/Sub emulator and pushed to the
 * buildImage function (functions-framework), crane appending real layers
 * onto a base image in the local registry (pip resolving from a local
 * wheelhouse), and the woken jobs created on the testbed's kube-apiserver
 * with the built image by digest.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingBus, type EventBus } from "../../shared/bus/event-bus.ts";
import type { BuildPlan, ImageBuilder } from "../../shared/builds/builder.ts";
import { CraneBuilder } from "../../shared/builds/backends/crane.ts";
import type { ImageDeps } from "../../shared/builds/job-image.ts";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { workloadName } from "../../shared/manifests/render.ts";
import { OciRegistryClient } from "../../shared/registry/oci-client.ts";
import type { JobDoc } from "../../shared/store/job-store.ts";
import { createTestNamespace, kubeConfigFromEnv, waitFor, type TestNamespace } from "../../testbed/index.ts";
import { requireBinary, startRegistry, type LocalRegistry } from "../../testbed/registry/registry.ts";
import { makeWheels, pushImageFromFiles, writeTree } from "../../testbed/registry/fixtures.ts";
import { servePushTarget, type PushTarget } from "./push-target.ts";
import { jobInState, testDeps, uniqueId } from "./support.ts";
import { CloudBuildBuilder } from "../../shared/builds/backends/cloud-build.ts";
import { handleBuildRun } from "../../shared/builds/build-run.ts";
import { FakeBuildsBucket, FakeCloudBuildApi } from "../fakes/cloud-build.ts";
import "../../functions/build-image/index.ts";
import "../../functions/cloud-builds/index.ts";

let reg: LocalRegistry;
let ns: TestNamespace;
let work: string;
let push: PushTarget;
let statusPush: PushTarget;
let deps: Deps & { images: ImageDeps };
let starts = 0;
let base: string;
const batch = () => kubeConfigFromEnv().makeApiClient(BatchV1Api);

beforeAll(async () => {
  reg = await startRegistry();
  ns = await createTestNamespace("builds-jobs");
  work = mkdtempSync(join(tmpdir(), "kinetic-builds-jobs-"));
  const wheels = join(work, "wheels");
  makeWheels(wheels, [{ name: "kinetic-demo", version: "1.0.0" }]);
  base = `${reg.host}/kinetic/base:py`;
  await pushImageFromFiles(base, { "etc/os-release": "ID=kinetic-test\n" });
  const crane = new CraneBuilder({
    crane: requireBinary("crane"),
    pip: { args: ["--no-index", "--find-links", wheels] },
  });
  const builder: ImageBuilder = {
    recipe: crane.recipe,
    start: (plan: BuildPlan, log: (line: string) => void) => {
      starts++;
      return crane.start(plan, log);
    },
  };
  // build.run goes through the emulator to buildImage, as deployed; job events are only recorded.
  push = await servePushTarget("buildImage", uniqueId("proj"), uniqueId("builds"));
  statusPush = await servePushTarget("cloudBuilds", uniqueId("proj"), uniqueId("cloud-builds"));
  const recording = new RecordingBus();
  const bus: EventBus = {
    publish: (topic, data, attributes) =>
      topic === "builds" ? push.publish(data, attributes) : recording.publish(topic, data, attributes),
  };
  const base_ = testDeps({ namespaces: [ns.name], bus });
  const images: ImageDeps = {
    builds: base_.builds,
    registry: new OciRegistryClient(),
    builder,
    clock: base_.clock,
    log: base_.log,
    bus,
    defaultRepository: `${reg.host}/kinetic/jobs`,
    progressMs: 200,
    // The test is this machine's user: its directories may be built (deployed, only https:// Git contexts).
    localContexts: true,
  };
  deps = { ...base_, images };
  setDeps(deps);
}, 120_000);

afterAll(async () => {
  await push?.close();
  await statusPush?.close();
  setDeps(undefined);
  await ns?.cleanup();
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "ctx-"));
  writeTree(dir, files);
  return dir;
}

const job = (id: string, dir: string, build: Record<string, unknown> = {}) => ({
  id,
  namespace: ns.name,
  command: ["python", "train.py"],
  cpu: "100m",
  memory: "128Mi",
  build: { context: { kind: "dir", path: dir }, baseImage: base, requirements: "kinetic-demo\n", ...build },
});
const submit = (spec: { id: string }) =>
  submitJob(deps, { spec, principal: "tester", source: "test", recordRejections: false });
const key = (id: string) => ({ namespace: ns.name, id });
const digestRef = /^127\.0\.0\.1:\d+\/kinetic\/jobs@sha256:[0-9a-f]{64}$/;

describe("jobs that name a build, on the emulators, the local registry and the testbed", () => {
  it("a job waits BUILDING, then runs the built image by digest on the cluster", async () => {
    const before = starts;
    const id = uniqueId("bj");
    const out = await submit(job(id, context({ "train.py": "print('one')\n" })));
    expect(out).toMatchObject({ status: "created", job: { state: "BUILDING", buildId: expect.any(String) } });
    const done = await jobInState(deps, key(id), ["SUBMITTED", "FAILED"], 120_000);
    expect(done).toMatchObject({ state: "SUBMITTED", image: expect.stringMatching(digestRef) });
    expect(done.events.map((e) => e.state)).toEqual(["QUEUED", "BUILDING", "SUBMITTED"]);
    const build = (await deps.builds.get(done.buildId!))!;
    expect(build).toMatchObject({ state: "SUCCEEDED", resolvedPackages: { "kinetic-demo": "1.0.0" } });
    expect(done.image).toBe(`${reg.host}/kinetic/jobs@${build.digest}`);
    expect((await deps.images.registry.head(build.image))?.digest).toBe(build.digest);
    const k8s = await batch().readNamespacedJob({ name: workloadName(id), namespace: ns.name });
    expect(k8s.spec!.template.spec!.containers[0]!.image).toBe(done.image);
    expect(starts - before).toBe(1);
  });

  it("50 concurrent submissions with identical inputs: exactly one build, and all 50 run its digest", async () => {
    const before = starts;
    const dir = context({ "train.py": "print('fifty')\n", "lib/m.py": "M = 1\n" });
    const ids = Array.from({ length: 50 }, (_, i) => uniqueId(`c${i}`));
    // Five function instances (each its own in-flight requests), so the build record's create-once is what holds.
    const instances = Array.from({ length: 5 }, () => ({ ...deps, images: { ...deps.images } }));
    const outs = await Promise.all(
      ids.map((id, i) =>
        submitJob(instances[i % 5]!, { spec: job(id, dir), principal: "t", source: "t", recordRejections: false }),
      ),
    );
    expect(outs.every((o) => o.status === "created")).toBe(true);
    const buildIds = new Set(outs.map((o) => (o as { job: JobDoc }).job.buildId));
    expect(buildIds.size).toBe(1);
    const done = await Promise.all(ids.map((id) => jobInState(deps, key(id), ["SUBMITTED", "FAILED"], 180_000)));
    expect(new Set(done.map((j) => j.state))).toEqual(new Set(["SUBMITTED"]));
    expect(new Set(done.map((j) => j.image)).size).toBe(1);
    expect(starts - before).toBe(1);
    const [buildId] = buildIds;
    expect((await deps.builds.latest(buildId!.replace(/-\d+$/, "")))?.attempt).toBe(1);
    const k8s = await batch().readNamespacedJob({ name: workloadName(ids[17]!), namespace: ns.name });
    expect(k8s.spec!.template.spec!.containers[0]!.image).toBe(done[0]!.image);
  });

  it("a requirement that cannot be installed fails every waiting job with the reason and the log tail", async () => {
    const dir = context({ "train.py": "print('bad')\n" });
    const ids = Array.from({ length: 5 }, (_, i) => uniqueId(`bad${i}`));
    await Promise.all(ids.map((id) => submit(job(id, dir, { requirements: "kinetic-demo\nno-such-package==1.0\n" }))));
    for (const id of ids) {
      const j = await jobInState(deps, key(id), ["FAILED", "SUBMITTED"], 120_000);
      expect(j).toMatchObject({ state: "FAILED", reason: "BuildFailed" });
      expect(j.message).toMatch(/\(RequirementsFailed\).*no-such-package/);
      expect(j.message).toMatch(/log tail:[\s\S]*No matching distribution/);
      expect(j.workload).toBeUndefined();
    }
  });

  it("a missing base image fails the job at once, naming the image", async () => {
    const id = uniqueId("nobase");
    const out = await submit(job(id, context({ "x.py": "x\n" }), { baseImage: `${reg.host}/kinetic/base:missing` }));
    expect(out).toMatchObject({ job: { state: "FAILED", reason: "BuildFailed" } });
    expect((out as { job: JobDoc }).job.message).toMatch(/BaseImageMissing.*kinetic\/base:missing/);
  });

  it("a duplicated or late build.run changes nothing: no second build, no job moved", async () => {
    const id = uniqueId("late");
    await submit(job(id, context({ "train.py": "print('late')\n" })));
    const first = await jobInState(deps, key(id), ["SUBMITTED", "FAILED"], 120_000);
    expect(first.state).toBe("SUBMITTED");
    const before = starts;
    const delivered = push.deliveries.length;
    await push.publish({ type: "build.run", buildId: first.buildId }, { buildId: first.buildId! });
    await push.publish({ type: "build.run", buildId: first.buildId }, { buildId: first.buildId! });
    await waitFor(async () => push.deliveries.filter((d) => d.status === 204).length >= delivered + 2, {
      timeoutMs: 30_000,
      description: "two more build.run deliveries acked",
    });
    const after = (await deps.store.get(key(id)))!;
    expect(after.events).toEqual(first.events);
    expect(after.updatedAt).toBe(first.updatedAt);
    expect(starts).toBe(before);
  });

  it("with Cloud Build (a named fake of its API), jobs wait until its status arrives on the cloud-builds topic", async () => {
    const bucket = new FakeBuildsBucket();
    const api = new FakeCloudBuildApi(bucket);
    const recorded = new RecordingBus();
    const cloud: Deps & { images: ImageDeps } = {
      ...deps,
      images: {
        ...deps.images,
        bus: recorded,
        builder: new CloudBuildBuilder(api, bucket, {
          projectId: "proj",
          serviceAccount: "kinetic-build@proj.iam.gserviceaccount.com",
          pubsubTopic: "projects/proj/topics/kinetic-cloud-builds",
        }),
      },
    };
    const dir = context({ "train.py": "print('cloud')\n" });
    const ids = [uniqueId("cb0"), uniqueId("cb1"), uniqueId("cb2")];
    await Promise.all(
      ids.map((id) => submitJob(cloud, { spec: job(id, dir), principal: "t", source: "t", recordRejections: false })),
    );
    const run = recorded.messages.filter((m) => m.topic === "builds");
    expect(run).toHaveLength(1);
    // buildImage with the Cloud Build backend only starts the build: the record waits for the status.
    const envelope = {
      id: "r",
      data: { message: { data: Buffer.from(JSON.stringify(run[0]!.data)).toString("base64"), messageId: "r" } },
    };
    expect(await handleBuildRun(cloud, envelope)).toMatchObject({ state: "BUILDING", woken: { advanced: 0 } });
    expect(api.requests).toHaveLength(1);
    const [cbId] = api.builds.keys();
    const buildId = (await deps.store.get(key(ids[0]!)))!.buildId!;
    const image = (await deps.builds.get(buildId))!.image;
    const digest = "sha256:" + "d".repeat(64);
    const send = async (status: string) => {
      const acked = statusPush.deliveries.filter((d) => d.status === 204).length;
      await statusPush.publishRaw(
        Buffer.from(api.notification(cbId!, status, { results: { images: [{ name: image, digest }] } }), "base64"),
        { buildId: cbId!, status },
      );
      await waitFor(async () => statusPush.deliveries.filter((d) => d.status === 204).length > acked, {
        timeoutMs: 30_000,
        description: `the ${status} notification acked`,
      });
    };
    await send("WORKING");
    expect((await deps.store.get(key(ids[0]!)))!.state).toBe("BUILDING");
    await send("SUCCESS");
    for (const id of ids) {
      const j = await jobInState(deps, key(id), ["SUBMITTED", "FAILED"], 30_000);
      expect(j).toMatchObject({ state: "SUBMITTED", image: `${reg.host}/kinetic/jobs@${digest}` });
    }
    const k8s = await batch().readNamespacedJob({ name: workloadName(ids[1]!), namespace: ns.name });
    expect(k8s.spec!.template.spec!.containers[0]!.image).toBe(`${reg.host}/kinetic/jobs@${digest}`);
    // Late and duplicated: a WORKING after SUCCESS and SUCCESS again move nothing.
    const before = (await deps.store.get(key(ids[2]!)))!;
    await send("WORKING");
    await send("SUCCESS");
    expect((await deps.builds.get(buildId))!.state).toBe("SUCCEEDED");
    expect((await deps.store.get(key(ids[2]!)))!.events).toEqual(before.events);
  });
});
