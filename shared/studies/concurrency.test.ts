/** Duplicates, reordering, concurrency and crashes on memory deps, plus push metrics, deadlines and deletion. */
import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import type { JobFinishedEvent } from "../bus/event-bus.ts";
import { createStudy } from "./create.ts";
import { submitJob } from "../jobs/submit.ts";
import { createStores } from "../stores.ts";
import { driveStudy, trialSpec } from "./drive.ts";
import { advance } from "./rules.ts";
import { onTrialEvent } from "./events.ts";
import { cancelStudy, reportTrialMetrics, studyStatus } from "./operations.ts";
import { activeTrialJobs, finishJobs, studyTestDeps, testStudySpec, type StudyTestDeps } from "./study-test-kit.ts";

const KEY = { namespace: "ns", id: "st" };
const unavailable = () => new KineticError("cluster-unavailable", "apiserver down");

async function snapshot(deps: StudyTestDeps) {
  const s = (await deps.studies.get(KEY))!;
  return { issued: s.issued, active: s.active, counts: s.counts, best: s.best, state: s.state };
}

describe("idempotency and concurrency", () => {
  it("check 16: duplicate 'completed' events are no-ops for counters, best and created trials", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ trials: 6 }), principal: "tester" });
    const [e] = await finishJobs(deps, { "st-0": { ok: true, logs: "accuracy=0.7" } });
    expect((await onTrialEvent(deps, e!)).status).toBe("recorded");
    const after = await snapshot(deps);
    for (let i = 0; i < 3; i++) expect((await onTrialEvent(deps, e!)).status).toBe("duplicate");
    await Promise.all([onTrialEvent(deps, e!), onTrialEvent(deps, e!)]);
    expect(await snapshot(deps)).toEqual(after);
    expect(after).toMatchObject({ issued: 3, active: 2 });
    expect((await onTrialEvent(deps, { ...e!, jobId: "not-a-trial" })).status).toBe("ignored");
  });

  it("check 17: a completion delivered before the trial was marked dispatched converges; terminal absorbs", async () => {
    const deps = studyTestDeps();
    // The first dispatch's cluster create fails for good this delivery: trials stay CREATED, jobs QUEUED.
    // Two trials dispatch at once, each with submitJob's own 3 attempts.
    for (let i = 0; i < 6; i++) deps.cluster.failNext("submit", unavailable());
    await expect(createStudy(deps, { spec: testStudySpec(), principal: "tester" })).rejects.toThrow();
    expect((await deps.studies.getTrial("ns", "st-0"))?.state).toBe("CREATED");
    // The job fails out of band and its event arrives while the trial is still CREATED.
    const event: JobFinishedEvent = {
      type: "job.finished",
      eventId: "ns:st-0:finished",
      jobId: "st-0",
      namespace: "ns",
      state: "FAILED",
      reason: "ClusterRejected",
      finishedAt: deps.clock.now().toISOString(),
    };
    await deps.store.transition({ namespace: "ns", id: "st-0" }, { to: "FAILED", reason: "ClusterRejected" });
    expect((await onTrialEvent(deps, event)).status).toBe("recorded");
    expect((await deps.studies.getTrial("ns", "st-0"))?.state).toBe("FAILED");
    // A late "dispatched" move is refused.
    expect(
      await deps.studies.transitionTrial("ns", "st-0", { from: ["CREATED"], to: "PENDING", reason: "Dispatched" }),
    ).toBe(false);
    expect(await snapshot(deps)).toMatchObject({ issued: 3, active: 2, counts: { failed: 1 } });
  });

  it("check 18: 20 completions processed concurrently (each delivered twice) never exceed parallel or trials; best is consistent", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ trials: 30, parallelTrials: 20 }), principal: "tester" });
    const first = await activeTrialJobs(deps);
    expect(first).toHaveLength(20);
    const values = new Map(first.map((id, i) => [id, ((i * 37) % 101) / 101]));
    const events = await finishJobs(
      deps,
      Object.fromEntries(first.map((id) => [id, { ok: true, logs: `accuracy=${values.get(id)}` }])),
    );
    expect(events).toHaveLength(20);
    let maxActive = 0;
    const watch = setInterval(() => {
      void deps.studies.get(KEY).then((s) => (maxActive = Math.max(maxActive, s?.active ?? 0)));
    }, 0);
    // Two "instances" (separate store objects over one database), each getting every event once, in opposite orders.
    const other = { ...deps, ...createStores(deps.docs, { clock: deps.clock }) };
    await Promise.all([
      ...events.map((e) => onTrialEvent(deps, e)),
      ...events
        .slice()
        .reverse()
        .map((e) => onTrialEvent(other, e)),
    ]);
    clearInterval(watch);
    const study = (await deps.studies.get(KEY))!;
    expect(maxActive).toBeLessThanOrEqual(20);
    expect(study).toMatchObject({ issued: 30, active: 10, counts: { succeeded: 20 } });
    const bestValue = Math.max(...values.values());
    expect(study.best?.value).toBe(bestValue);
    expect(study.best?.trialId).toBe(first.find((id) => values.get(id) === bestValue));
    expect(deps.cluster.objects.size).toBe(30);
    const trials = await deps.studies.listTrials(study);
    expect(trials.map((t) => t.index)).toEqual([...Array(30).keys()]);
  });

  it("check 19: a crash between 'assignment persisted' and 'dispatched' recovers with no lost or duplicate trial", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec(), principal: "tester", fanOut: false });
    // The reserving transaction commits, then the process dies before dispatching anything.
    await deps.studies.transact(KEY, undefined, ({ study, now }) => {
      const next = advance(study, now);
      return { write: { study: next.study, trials: next.trials }, result: undefined };
    });
    // A second crash: trial 0's job was submitted but the trial was never marked dispatched.
    const study = (await deps.studies.get(KEY))!;
    await submitJob(deps, {
      spec: trialSpec(study, (await deps.studies.getTrial("ns", "st-0"))!),
      principal: "tester",
      source: "t",
    });
    expect(deps.cluster.objects.size).toBe(1);
    // Two redeliveries race: each re-dispatches what is still CREATED; job ids make the repeats no-ops.
    await Promise.all([driveStudy(deps, KEY), driveStudy(deps, KEY)]);
    expect(await deps.studies.get(KEY)).toMatchObject({ issued: 2, active: 2 });
    expect(deps.cluster.objects.size).toBe(2);
    expect(deps.cluster.submitted.size).toBe(2);
    for (const id of ["st-0", "st-1"]) expect((await deps.studies.getTrial("ns", id))?.state).toBe("PENDING");
    expect((await deps.store.list({ namespace: "ns" })).jobs).toHaveLength(2);
  });
});

describe("wide fan-out", () => {
  it("parallelTrials=1000 starts 1,000 trials in passes of at most 400 trial writes per transaction (Firestore: 500)", async () => {
    const deps = studyTestDeps();
    const sizes: number[] = [];
    const transact = deps.studies.transact.bind(deps.studies);
    deps.studies.transact = (key, trialId, step) =>
      transact(key, trialId, (tx) => {
        const out = step(tx);
        if (out.write) sizes.push(out.write.trials?.length ?? 0);
        return out;
      });
    const spec = testStudySpec({ trials: 1000, parallelTrials: 1000 });
    const { study } = await createStudy(deps, { spec, principal: "tester" });
    expect(study).toMatchObject({ issued: 1000, active: 1000, plannedTrials: 1000 });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(400);
    expect(deps.cluster.objects.size).toBe(1000);
  });
});

describe("metrics push, deadlines, cancel and deletion", () => {
  it("check 15: a pushed report is idempotent per (trial, step) and supplies the objective", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ objectiveGoal: 0.99 }), principal: "tester" });
    const report = { namespace: "ns", trialId: "st-0", step: 1, metrics: { accuracy: 0.6 } };
    expect(await reportTrialMetrics(deps, report)).toEqual({ recorded: true });
    expect(await reportTrialMetrics(deps, report)).toEqual({ recorded: false });
    expect(await reportTrialMetrics(deps, { ...report, metrics: { accuracy: 0.1 } })).toEqual({ recorded: false });
    await reportTrialMetrics(deps, { ...report, step: 2, metrics: { accuracy: 0.7 } });
    await expect(
      reportTrialMetrics(deps, { ...report, step: 3, metrics: { accuracy: Number.NaN } }),
    ).rejects.toMatchObject({ code: "invalid-argument", issues: [{ field: "metrics.accuracy" }] });
    for (const e of await finishJobs(deps, { "st-0": { ok: true, logs: "accuracy=0.2" } })) await onTrialEvent(deps, e);
    const trial = await deps.studies.getTrial("ns", "st-0");
    expect(trial?.objective).toBe(0.7);
    expect(trial?.series?.accuracy?.map((p) => p.value)).toEqual([0.6, 0.7]);
  });

  it("check 27: the template's timeoutSeconds is the trial Job's activeDeadlineSeconds; the study deadline fails the study", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({
      timeoutSeconds: 600,
      trialTemplate: { ...(testStudySpec().trialTemplate as object), timeoutSeconds: 120 },
    });
    await createStudy(deps, { spec, principal: "tester" });
    const job = [...deps.cluster.submitted.values()][0]!;
    expect(job.spec.activeDeadlineSeconds).toBe(120);
    deps.clock.advance(601_000);
    for (const e of await finishJobs(deps, { "st-0": { ok: true, logs: "accuracy=0.5" } })) await onTrialEvent(deps, e);
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "FAILED", reason: "DeadlineExceeded", issued: 2 });
    expect(study.counts.cancelled).toBe(1);
  });

  it("cancelStudy ends the study CANCELLED and cancels its trials in flight (not counted as failures)", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec(), principal: "tester" });
    const study = await cancelStudy(deps, KEY, "alice");
    expect(study).toMatchObject({ state: "CANCELLED", reason: "CancelledByUser", active: 0 });
    expect(study.counts).toMatchObject({ cancelled: 2, failed: 0 });
    expect(deps.cluster.objects.size).toBe(0);
    expect((await cancelStudy(deps, KEY, "bob")).message).toMatch(/alice/);
    expect((await studyStatus(deps, KEY)).counts.pending).toBe(0);
  });

  it("check 28: deleteStudy removes study and trial records once it ends; ttlSecondsAfterFinished reaches the trial jobs", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({ deleteStudy: true, trials: 2, ttlSecondsAfterFinished: 900 });
    await createStudy(deps, { spec, principal: "tester" });
    expect((await deps.store.get({ namespace: "ns", id: "st-0" }))?.spec?.ttlSecondsAfterFinished).toBe(900);
    for (const e of await finishJobs(deps, {
      "st-0": { ok: true, logs: "accuracy=0.1" },
      "st-1": { ok: true, logs: "accuracy=0.2" },
    }))
      await onTrialEvent(deps, e);
    expect(await deps.studies.get(KEY)).toBeUndefined();
    expect(await deps.studies.getTrial("ns", "st-0")).toBeUndefined();
    // The trial jobs' own records stay (their TTL and retention apply).
    expect((await deps.store.get({ namespace: "ns", id: "st-1" }))?.state).toBe("SUCCEEDED");
  });

  it("check 30: studies are not resumable: re-creating a finished study with more trials is an id conflict", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ trials: 2 }), principal: "tester" });
    for (const e of await finishJobs(deps, { "st-0": { ok: true, logs: "accuracy=0.1" }, "st-1": { ok: false } }))
      await onTrialEvent(deps, e);
    expect((await deps.studies.get(KEY))?.state).toBe("SUCCEEDED");
    await expect(createStudy(deps, { spec: testStudySpec({ trials: 4 }), principal: "tester" })).rejects.toMatchObject({
      code: "id-conflict",
    });
  });

  it("refuses a study in a namespace the caller may not use, and an invalid spec, before recording anything", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({ trialTemplate: { namespace: "other", image: "python:3.12" } });
    await expect(createStudy(deps, { spec, principal: "tester" })).rejects.toMatchObject({ code: "permission-denied" });
    await expect(
      createStudy(deps, { spec: testStudySpec({ parallelTrials: 9, trials: 3 }), principal: "tester" }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
    expect(await deps.studies.list()).toEqual([]);
    await expect(activeTrialJobs(deps)).resolves.toEqual([]);
  });
});
