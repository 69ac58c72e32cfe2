/** The study lifecycle on memory deps: fan-out, refill, and the stop rules, by the reference's check numbers. */
import { describe, expect, it } from "vitest";
import { createStudy } from "./create.ts";
import { onTrialEvent } from "./events.ts";
import { studyStatus } from "./operations.ts";
import {
  activeTrialJobs,
  finishJobs,
  studyTestDeps,
  testStudySpec,
  type Finish,
  type StudyTestDeps,
} from "./study-test-kit.ts";

const KEY = { namespace: "ns", id: "st" };

/** Finishes the given trial jobs and delivers their events in order; returns the max active seen. */
async function finish(deps: StudyTestDeps, outcomes: Record<string, Finish>): Promise<void> {
  for (const e of await finishJobs(deps, outcomes)) await onTrialEvent(deps, e);
}

const ok = (v: number, name = "accuracy"): Finish => ({ ok: true, logs: `${name}=${v}` });
const fail: Finish = { ok: false };

/** Runs the study to its end, trial k ending as `outcome(k)`; asserts the parallel bound after every event. */
async function runAll(deps: StudyTestDeps, outcome: (k: number) => Finish, parallel: number): Promise<number> {
  let maxActive = 0;
  for (let round = 0; round < 100; round++) {
    const active = await activeTrialJobs(deps);
    maxActive = Math.max(maxActive, active.length);
    expect(active.length).toBeLessThanOrEqual(parallel);
    if (!active.length) break;
    const next = active[0]!;
    await finish(deps, { [next]: outcome(Number(next.split("-").at(-1))) });
  }
  return maxActive;
}

describe("study fan-out and refill", () => {
  it("check 1: trials=16, parallel=2: the first 2 start at creation and never more than 2 are active", async () => {
    const deps = studyTestDeps();
    const { study } = await createStudy(deps, { spec: testStudySpec({ trials: 16 }), principal: "tester" });
    expect(study).toMatchObject({ state: "RUNNING", issued: 2, active: 2 });
    expect(deps.cluster.objects.size).toBe(2);
    expect((await deps.studies.getTrial("ns", "st-0"))?.state).toBe("PENDING");
    const maxActive = await runAll(deps, (k) => ok(k / 100), 2);
    expect(maxActive).toBe(2);
  });

  it("checks 2 and 13: exactly `trials` trials are created, MetricsUnavailable (NaN) ones included; check 3: a freed slot is refilled while the other runs", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ trials: 7, failedTrials: null }), principal: "tester" });
    await finish(deps, { "st-0": { ok: true, logs: "no metric here" } });
    // Trial 1 still runs; trial 2 already took the freed slot.
    expect(await activeTrialJobs(deps)).toEqual(["st-1", "st-2"]);
    // Check 13 too: a NaN objective is no value, so those trials are MetricsUnavailable, never best.
    await runAll(deps, (k) => (k % 3 === 0 ? { ok: true, logs: "accuracy=nan\naccuracy=inf" } : ok(0.5)), 2);
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ issued: 7, active: 0, state: "SUCCEEDED", reason: "MaxTrialsReached" });
    expect(study.counts).toMatchObject({ metricsUnavailable: 3, succeeded: 4 });
    expect(deps.cluster.objects.size).toBe(7);
    expect((await deps.studies.getTrial("ns", "st-0"))?.state).toBe("METRICS_UNAVAILABLE");
  });
});

describe("stop rules", () => {
  it("check 5 and 6: maximize goal 0.9 is inclusive; after it no trial starts; best = the goal trial", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ objectiveGoal: 0.9, trials: 10 }), principal: "tester" });
    await finish(deps, { "st-0": ok(0.9) });
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "SUCCEEDED", reason: "GoalReached", issued: 2 });
    expect(study.best).toMatchObject({ index: 0, value: 0.9, trialId: "st-0" });
    expect(deps.cluster.objects.size).toBe(1); // trial 1's job was cancelled and deleted
  });

  it("check 5: minimize goal is inclusive too (loss <= goal)", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({ objectives: ["loss"], objectiveType: "minimize", objectiveGoal: 0.1 });
    await createStudy(deps, { spec, principal: "tester" });
    await finish(deps, { "st-0": ok(0.2, "loss") });
    expect((await deps.studies.get(KEY))?.state).toBe("RUNNING");
    await finish(deps, { "st-1": ok(0.1, "loss") });
    expect(await deps.studies.get(KEY)).toMatchObject({ state: "SUCCEEDED", reason: "GoalReached" });
  });

  it("check 7: at the goal, in-flight trials are cancelled (Cancelled, not failed) by default", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ objectiveGoal: 0.9, parallelTrials: 3 }), principal: "tester" });
    await finish(deps, { "st-1": ok(0.95) });
    const study = (await deps.studies.get(KEY))!;
    expect(study.counts).toMatchObject({ succeeded: 1, cancelled: 2, failed: 0 });
    expect(study.active).toBe(0);
    expect((await deps.studies.getTrial("ns", "st-0"))?.state).toBe("CANCELLED");
    expect((await deps.store.get({ namespace: "ns", id: "st-2" }))?.state).toBe("CANCELLED");
  });

  it("check 7: onGoal finish lets in-flight trials finish, and a better one becomes best", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({ objectiveGoal: 0.9, parallelTrials: 2, onGoal: "finish" });
    await createStudy(deps, { spec, principal: "tester" });
    await finish(deps, { "st-0": ok(0.92) });
    expect(await activeTrialJobs(deps)).toEqual(["st-1"]);
    await finish(deps, { "st-1": ok(0.97) });
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "SUCCEEDED", reason: "GoalReached", issued: 2 });
    expect(study.best).toMatchObject({ index: 1, value: 0.97 });
  });

  it("check 8: failedTrials=4: the 4th failure ends the study Failed", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ trials: 10, parallelTrials: 1 }), principal: "tester" });
    for (let k = 0; k < 4; k++) await finish(deps, { [`st-${k}`]: k === 1 ? { ok: true } : fail });
    expect(await deps.studies.get(KEY)).toMatchObject({ state: "FAILED", reason: "MaxFailedTrials", issued: 4 });
  });

  it("check 8: 3 failures and an exhausted budget end Succeeded with a best trial", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ trials: 5, parallelTrials: 1 }), principal: "tester" });
    await runAll(deps, (k) => (k < 3 ? fail : ok(0.4 + k / 10)), 1);
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached" });
    expect(study.best).toMatchObject({ index: 4, value: 0.8 });
  });

  it("check 9: failedTrials=0 fails on the first failure; null never fails on failures", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ failedTrials: 0, parallelTrials: 1 }), principal: "tester" });
    await finish(deps, { "st-0": fail });
    expect(await deps.studies.get(KEY)).toMatchObject({ state: "FAILED", reason: "MaxFailedTrials" });

    const other = studyTestDeps();
    await createStudy(other, { spec: testStudySpec({ failedTrials: null, trials: 6 }), principal: "tester" });
    await runAll(other, (k) => (k === 5 ? ok(0.3) : fail), 2);
    expect(await other.studies.get(KEY)).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached" });
  });

  it("check 10: every trial failing under the limit ends Failed/NoSuccessfulTrials without an invented best", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ failedTrials: null, trials: 4 }), principal: "tester" });
    await runAll(deps, (k) => (k % 2 ? fail : { ok: true }), 2);
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "FAILED", reason: "NoSuccessfulTrials" });
    expect(study.best).toBeUndefined();
  });

  it("check 11: goal beats failure: a goal result in flight when the failure limit is reached wins", async () => {
    const deps = studyTestDeps();
    await createStudy(deps, { spec: testStudySpec({ objectiveGoal: 0.9, failedTrials: 1 }), principal: "tester" });
    // Both trials end together; the failure is delivered first.
    const events = await finishJobs(deps, { "st-0": fail, "st-1": ok(0.93) });
    const byJob = Object.fromEntries(events.map((e) => [e.jobId, e]));
    await onTrialEvent(deps, byJob["st-0"]!);
    expect(await deps.studies.get(KEY)).toMatchObject({ state: "RUNNING", stopping: { reason: "MaxFailedTrials" } });
    await onTrialEvent(deps, byJob["st-1"]!);
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "SUCCEEDED", reason: "GoalReached", issued: 2 });
    expect(study.best?.value).toBe(0.93);
  });

  it("check 23: trials above the grid size run the whole grid once and end Succeeded with a note", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({
      hyperparameters: { x: { type: "double", min: 0.1, max: 0.7, step: 0.2 } },
      algorithm: "grid",
      trials: 10,
    });
    await createStudy(deps, { spec, principal: "tester" });
    await runAll(deps, () => ok(0.5), 2);
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "SUCCEEDED", reason: "GridExhausted", issued: 4, plannedTrials: 4 });
    expect(study.message).toMatch(/grid has 4 points/);
    const xs = (await deps.studies.listTrials(study)).map((t) => t.params.x).sort();
    expect(xs).toEqual([0.1, 0.3, 0.5, 0.7]);
  });

  it("check 29: status shows counts per trial state, the best trial with its metrics, and the terminal reason", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({ objectives: ["accuracy", "loss"], trials: 3, parallelTrials: 2 });
    await createStudy(deps, { spec, principal: "tester" });
    await finish(deps, { "st-0": { ok: true, logs: "accuracy=0.7 loss=0.9\naccuracy=0.8 loss=0.5" } });
    const mid = await studyStatus(deps, KEY);
    // syncJobs saw trial 1's job running; trial 2 was just submitted (pending).
    expect(mid.counts).toEqual({
      pending: 1,
      running: 1,
      succeeded: 1,
      failed: 0,
      metricsUnavailable: 0,
      earlyStopped: 0,
      cancelled: 0,
    });
    await finish(deps, { "st-1": fail, "st-2": { ok: true } });
    const done = await studyStatus(deps, KEY);
    expect(done).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached", created: 3, planned: 3 });
    expect(done.counts).toMatchObject({ pending: 0, running: 0, succeeded: 1, failed: 1, metricsUnavailable: 1 });
    expect(done.best).toMatchObject({ index: 0, value: 0.8, metrics: { accuracy: 0.8, loss: 0.5 } });
    expect(done.best?.params.x).toEqual(expect.any(Number));
  });
});
