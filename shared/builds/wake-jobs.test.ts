/**
 * Jobs that name a build, on memory deps (stores with Firestore's
 * transaction semantics, the memory cluster, a memory registry and builder):
 * what the submitter sees — BUILDING, then SUBMITTED with the image by
 * digest, or FAILED with the build's reason and log tail — under concurrent
 * submissions, duplicated and late build messages, concurrent wakers, and a
 * lost wake or build message that syncJobs makes up for.
 */
import { describe, expect, it } from "vitest";
import { submitJob, type SubmitRequest } from "../jobs/submit.ts";
import { cancelJob } from "../jobs/cancel.ts";
import { syncJobs } from "../jobs/sync.ts";
import { parseJobSpec } from "../schemas/job-spec.ts";
import type { JobDoc } from "../store/job-store.ts";
import { BUILD_POISON } from "../store/build-store.ts";
import { BuildFailure } from "./builder.ts";
import { handleBuildRun } from "./build-run.ts";
import { handleCloudBuildEvent } from "./cloud-build-events.ts";
import { executeBuild } from "./execute.ts";
import { wakeJobsWaitingOn } from "./wake-jobs.ts";
import { buildJobDeps, kitContext, KIT_BASE, KIT_REPOSITORY } from "./build-test-kit.ts";

const spec = (id: string, dir: string, extra: Record<string, unknown> = {}) => ({
  id,
  namespace: "ns",
  command: ["python", "train.py"],
  build: { context: { kind: "dir", path: dir }, baseImage: KIT_BASE, requirements: "numpy\n" },
  ...extra,
});
const message = (s: { id: string }): SubmitRequest => ({
  spec: s,
  principal: "pubsub",
  source: `pubsub:${s.id}`,
  key: `pubsub:${s.id}`,
});

let n = 0;
function envelope(body: unknown) {
  const messageId = `m-${++n}`;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { id: messageId, data: { message: { data: Buffer.from(text).toString("base64"), messageId } } };
}

type Deps = ReturnType<typeof buildJobDeps>;
const get = async (deps: Deps, id: string) => (await deps.store.get({ namespace: "ns", id }))!;
const buildMessages = (deps: Deps) => deps.bus.messages.filter((m) => m.topic === "builds");
const containerImage = (deps: Deps) =>
  [...deps.cluster.submitted.values()].map(
    (w) =>
      (w as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec
        .containers[0]!.image,
  );

describe("jobs that name a build", () => {
  it("100 concurrent submissions: one build, one build.run; its end sends all 100 on by digest; a repeat changes nothing", async () => {
    const deps = buildJobDeps();
    const dir = kitContext();
    // Ten function instances (each its own in-flight requests), so the build record's create-once is what holds.
    const instances = Array.from({ length: 10 }, () => ({ ...deps, images: { ...deps.images } }));
    const outs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => submitJob(instances[i % 10]!, message(spec(`t-${i}`, dir)))),
    );
    expect(outs.every((o) => o.status === "created")).toBe(true);
    const jobs = outs.map((o) => (o as { job: JobDoc }).job);
    expect(new Set(jobs.map((j) => j.state))).toEqual(new Set(["BUILDING"]));
    expect(new Set(jobs.map((j) => j.buildId)).size).toBe(1);
    expect(await deps.builds.list()).toHaveLength(1);
    expect(buildMessages(deps)).toHaveLength(1);
    expect(buildMessages(deps)[0]!.data).toEqual({ type: "build.run", buildId: jobs[0]!.buildId });
    expect(deps.cluster.objects.size).toBe(0);
    // The job's namespace is recorded on the build, so its users find it in the builds API.
    expect(await deps.buildRefs.has("ns", jobs[0]!.buildId!)).toBe(true);
    expect(await deps.buildRefs.has("other", jobs[0]!.buildId!)).toBe(false);

    const run = envelope(buildMessages(deps)[0]!.data);
    const out = await handleBuildRun(deps, run);
    expect(out).toMatchObject({ status: "done", state: "SUCCEEDED", woken: { advanced: 100, errors: 0 } });
    expect(deps.builder.calls).toHaveLength(1);
    const key = deps.builder.calls[0]!.key;
    const image = `${KIT_REPOSITORY}@sha256:${key}`;
    for (let i = 0; i < 100; i++) {
      const job = await get(deps, `t-${i}`);
      expect(job).toMatchObject({ state: "SUBMITTED", image, buildId: jobs[0]!.buildId });
      expect(job.events.map((e) => e.state)).toEqual(["QUEUED", "BUILDING", "SUBMITTED"]);
    }
    expect(deps.cluster.objects.size).toBe(100);
    expect(new Set(containerImage(deps))).toEqual(new Set([image]));

    // The same message again, and five concurrent wakers: nothing built, created or moved twice.
    const again = await handleBuildRun(deps, run);
    expect(again).toMatchObject({ status: "done", woken: { advanced: 0 } });
    const build = (await deps.builds.get(jobs[0]!.buildId!))!;
    await Promise.all(Array.from({ length: 5 }, () => wakeJobsWaitingOn(deps, build)));
    expect(deps.builder.calls).toHaveLength(1);
    expect(deps.cluster.objects.size).toBe(100);
    expect((await get(deps, "t-7")).events).toHaveLength(3);
  });

  it("concurrent wakers of the same waiting jobs create each workload once and move each job once", async () => {
    const deps = buildJobDeps();
    const dir = kitContext({ "w.py": "1\n" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => submitJob(deps, message(spec(`w-${i}`, dir)))));
    const id = (await get(deps, "w-0")).buildId!;
    const built = await executeBuild(deps.images, (await deps.builds.get(id))!);
    const sums = await Promise.all(Array.from({ length: 5 }, () => wakeJobsWaitingOn(deps, built)));
    expect(sums.every((x) => x.errors === 0)).toBe(true);
    expect(deps.cluster.objects.size).toBe(20);
    for (let i = 0; i < 20; i++)
      expect((await get(deps, `w-${i}`)).events.map((e) => e.state)).toEqual(["QUEUED", "BUILDING", "SUBMITTED"]);
  });

  it("an image already built: the job goes on at once with it, nothing built or published", async () => {
    const deps = buildJobDeps();
    const dir = kitContext({ "a.py": "a\n" });
    await submitJob(deps, message(spec("first", dir)));
    await handleBuildRun(deps, envelope(buildMessages(deps)[0]!.data));
    const out = await submitJob(deps, message(spec("second", dir)));
    expect(out).toMatchObject({ status: "created", job: { state: "SUBMITTED" } });
    expect((await get(deps, "second")).image).toMatch(new RegExp(`^${KIT_REPOSITORY}@sha256:[0-9a-f]{64}$`));
    expect((await get(deps, "second")).buildId).toBeUndefined();
    expect(deps.builder.calls).toHaveLength(1);
    expect(buildMessages(deps)).toHaveLength(1);
  });

  it("a failing build fails every waiting job with BuildFailed, the build's reason and its log tail", async () => {
    const deps = buildJobDeps();
    deps.builder.fail = new BuildFailure(
      "RequirementsFailed",
      "pip: No matching distribution found for no-such-package",
    );
    const dir = kitContext({ "f.py": "f\n" });
    await Promise.all(Array.from({ length: 10 }, (_, i) => submitJob(deps, message(spec(`f-${i}`, dir)))));
    const out = await handleBuildRun(deps, envelope(buildMessages(deps)[0]!.data));
    expect(out).toMatchObject({ state: "FAILED", woken: { advanced: 10 } });
    for (let i = 0; i < 10; i++) {
      const job = await get(deps, `f-${i}`);
      expect(job).toMatchObject({ state: "FAILED", reason: "BuildFailed" });
      expect(job.message).toMatch(/failed \(RequirementsFailed\): pip: No matching distribution/);
      expect(job.message).toMatch(/log tail:\nbuilding [0-9a-f]{64}/);
    }
    expect(deps.cluster.objects.size).toBe(0);
    // A later job with the same inputs finds the failed build and fails at once (no second build).
    expect(await submitJob(deps, message(spec("late", dir)))).toMatchObject({
      job: { state: "FAILED", reason: "BuildFailed" },
    });
    expect(deps.builder.calls).toHaveLength(1);
  });

  it("a build that ends between the request and the job's BUILDING: the submission itself sends the job on", async () => {
    const deps = buildJobDeps();
    const dir = kitContext({ "r.py": "r\n" });
    await submitJob(deps, message(spec("r-0", dir)));
    const id = (await get(deps, "r-0")).buildId!;
    // The second submission joins; its move to BUILDING lands just after the build ended and woke its jobs.
    const store = deps.store;
    const transition = store.transition.bind(store);
    store.transition = async (key, input) => {
      if (input.to === "BUILDING") {
        const built = await executeBuild(deps.images, (await deps.builds.get(id))!);
        await wakeJobsWaitingOn(deps, built);
      }
      return transition(key, input);
    };
    const out = await submitJob(deps, message(spec("r-1", dir)));
    expect(out).toMatchObject({ status: "created", job: { state: "SUBMITTED" } });
    expect((await get(deps, "r-1")).events.map((e) => e.state)).toEqual(["QUEUED", "BUILDING", "SUBMITTED"]);
  });

  it("syncJobs is the backstop: a lost build.run is published again; a lost wake is made up for", async () => {
    const deps = buildJobDeps();
    const dir = kitContext({ "s.py": "s\n" });
    await submitJob(deps, message(spec("s-0", dir)));
    expect(buildMessages(deps)).toHaveLength(1);
    await syncJobs(deps);
    expect(buildMessages(deps)).toHaveLength(1); // not stale yet
    deps.clock.advance((deps.config.resubmitAfterSeconds + 1) * 1000);
    await syncJobs(deps);
    expect(buildMessages(deps)).toHaveLength(2);
    // The build runs, but its wake is lost: the next sync sends the job on.
    await executeBuild(deps.images, (await deps.builds.get((await get(deps, "s-0")).buildId!))!);
    expect((await get(deps, "s-0")).state).toBe("BUILDING");
    const summary = await syncJobs(deps);
    expect(summary.changed).toBeGreaterThanOrEqual(1);
    expect(await get(deps, "s-0")).toMatchObject({ state: "SUBMITTED", image: expect.stringContaining("@sha256:") });
  });

  it("a build whose end is never reported is failed by syncJobs after the deadline, and its jobs with it", async () => {
    const deps = buildJobDeps();
    deps.images.buildDeadlineMs = 3_600_000;
    await submitJob(deps, message(spec("x-0", kitContext({ "x.py": "x\n" }))));
    const id = (await get(deps, "x-0")).buildId!;
    // Handed to a backend that reports its own end (Cloud Build), whose notifications are all lost.
    await deps.builds.claim(id, { owner: "o", holdMs: 60_000 });
    await deps.builds.transition(id, { to: "BUILDING", reason: "Submitted", patch: { externalId: "lost" } });
    deps.clock.advance(3_000_000);
    await syncJobs(deps);
    expect((await get(deps, "x-0")).state).toBe("BUILDING");
    deps.clock.advance(700_000);
    await syncJobs(deps);
    expect(await deps.builds.get(id)).toMatchObject({ state: "FAILED", reason: "NoEndReported" });
    expect(await get(deps, "x-0")).toMatchObject({ state: "FAILED", reason: "BuildFailed" });
    expect((await get(deps, "x-0")).message).toMatch(/NoEndReported/);
  });

  it("a job cancelled while BUILDING stays cancelled when its build ends, and gets no workload", async () => {
    const deps = buildJobDeps();
    const dir = kitContext({ "c.py": "c\n" });
    await submitJob(deps, message(spec("c-0", dir)));
    await cancelJob(deps, { namespace: "ns", id: "c-0" }, "tester");
    await handleBuildRun(deps, envelope(buildMessages(deps)[0]!.data));
    expect(await get(deps, "c-0")).toMatchObject({ state: "CANCELLED" });
    expect(deps.cluster.objects.size).toBe(0);
  });

  it("Cloud Build notifications, duplicated and out of order, move the record once and wake the jobs once", async () => {
    const deps = buildJobDeps();
    const dir = kitContext({ "cb.py": "cb\n" });
    await submitJob(deps, message(spec("cb-0", dir)));
    const id = (await get(deps, "cb-0")).buildId!;
    const record = (await deps.builds.get(id))!;
    await deps.builds.claim(id, { owner: "x", holdMs: 60_000 });
    await deps.builds.transition(id, { to: "BUILDING", reason: "Submitted", patch: { externalId: "cb-1" } });
    const note = (status: string) => ({
      id: "cb-1",
      status,
      steps: [],
      tags: ["kinetic", `kinetic-build-${id}`],
      results: { images: [{ name: record.image, digest: "sha256:" + "c".repeat(64) }] },
    });
    expect(await handleCloudBuildEvent(deps, envelope(note("WORKING")))).toMatchObject({ state: "BUILDING" });
    expect(await handleCloudBuildEvent(deps, envelope(note("SUCCESS")))).toMatchObject({
      status: "applied",
      state: "SUCCEEDED",
      woken: { advanced: 1 },
    });
    expect(await handleCloudBuildEvent(deps, envelope(note("WORKING")))).toMatchObject({
      status: "unchanged",
      state: "SUCCEEDED",
    });
    expect(await handleCloudBuildEvent(deps, envelope(note("SUCCESS")))).toMatchObject({ woken: { advanced: 0 } });
    expect(await get(deps, "cb-0")).toMatchObject({
      state: "SUBMITTED",
      image: `${KIT_REPOSITORY}@sha256:${"c".repeat(64)}`,
    });
    expect(deps.cluster.objects.size).toBe(1);
    expect(await handleCloudBuildEvent(deps, envelope({ ...note("SUCCESS"), tags: ["other"] }))).toMatchObject({
      status: "ignored",
    });
    expect(await handleCloudBuildEvent(deps, envelope("{oops"))).toMatchObject({ status: "poison" });
  });

  it("poison build messages are recorded and acked", async () => {
    const deps = buildJobDeps();
    const cases = [
      envelope("{nope"),
      envelope({ type: "build.explode" }),
      envelope({ type: "build.run", buildId: `${"a".repeat(64)}-1` }),
    ];
    const outs = [];
    for (const c of cases) outs.push(await handleBuildRun(deps, c));
    expect(outs.map((o) => o.status)).toEqual(["poison", "poison", "poison"]);
    expect(outs[2]).toMatchObject({ reason: expect.stringMatching(/no build/) });
    expect(
      await deps.docs.getAll(
        BUILD_POISON,
        cases.map((c) => c.id),
      ),
    ).toHaveLength(3);
  });

  it("a deployment refuses, before storing anything, a build that would read its own machine", async () => {
    const deps = buildJobDeps();
    deps.images.localContexts = false;
    const dir = await submitJob(deps, { ...message(spec("d-0", kitContext())), recordRejections: false });
    expect(dir).toMatchObject({ status: "rejected", error: { code: "invalid-argument" } });
    expect((dir as { error: { issues: Array<{ field: string }> } }).error.issues[0]!.field).toBe("build.context");
    const git = (url: string) =>
      spec("g-0", "", { build: { context: { kind: "git", url, commit: "a".repeat(40) }, baseImage: KIT_BASE } });
    const file = await submitJob(deps, { ...message(git("file:///srv/kinetic")), recordRejections: false });
    expect((file as { error: { issues: Array<{ field: string }> } }).error.issues[0]!.field).toBe("build.context.url");
    expect(await deps.store.get({ namespace: "ns", id: "d-0" })).toBeUndefined();
    // An option is never a URL: git would run it.
    expect(() => parseJobSpec(git("--upload-pack=touch /tmp/x"))).toThrow(/build\.context\.url/);
  });

  it("without a builder configured, a job with a build fails with BuildsUnavailable instead of waiting forever", async () => {
    const deps = buildJobDeps();
    delete (deps as { images?: unknown }).images;
    const out = await submitJob(deps, message(spec("n-0", kitContext())));
    expect(out).toMatchObject({ job: { state: "FAILED", reason: "BuildsUnavailable" } });
  });
});

describe("the job spec's build field", () => {
  it("takes a build request, fills its accelerator from the job's, and keeps no image", () => {
    const s = parseJobSpec(spec("p", "/ctx", { accelerator: "nvidia-l4" }));
    expect(s.image).toBeUndefined();
    expect(s.build).toMatchObject({ accelerator: "gpu", baseImage: KIT_BASE, context: { kind: "dir", path: "/ctx" } });
    expect(parseJobSpec(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it("refuses image with build, and a build accelerator that is not the job's, naming the field", () => {
    expect(() => parseJobSpec(spec("p", "/ctx", { image: "python:3.12" }))).toThrow(/image.*cannot both be given/);
    expect(() =>
      parseJobSpec(
        spec("p", "/ctx", {
          accelerator: "tpu-v6e-8",
          build: { context: { kind: "dir", path: "/c" }, baseImage: KIT_BASE, accelerator: "gpu" },
        }),
      ),
    ).toThrow(/build\.accelerator/);
    expect(() => parseJobSpec(spec("p", "/ctx", { build: { context: { kind: "dir", path: "/c" } } }))).toThrow(
      /build\.baseImage/,
    );
  });
});
