/** Reference check 26 on memory deps: medianstop through the push path. */
import { describe, expect, it } from "vitest";
import { createStudy } from "./create.ts";
import { onTrialEvent } from "./events.ts";
import { reportTrialMetrics } from "./operations.ts";
import { activeTrialJobs, finishJobs, studyTestDeps, testStudySpec } from "./study-test-kit.ts";

const KEY = { namespace: "ns", id: "st" };

describe("early stopping (medianstop)", () => {
  it("check 26: never before start_step reports or min_trials_required baselines; early-stopped is not failed and counts toward trials", async () => {
    const deps = studyTestDeps();
    const spec = testStudySpec({
      trials: 6,
      parallelTrials: 3,
      earlyStopping: { algorithm: "medianstop", settings: { min_trials_required: 2, start_step: 2 } },
    });
    await createStudy(deps, { spec, principal: "tester" });
    const report = (trialId: string, step: number, accuracy: number) =>
      reportTrialMetrics(deps, { namespace: "ns", trialId, step, metrics: { accuracy } });

    // No baselines yet: a poor trial keeps running however many reports it sends.
    expect(await report("st-2", 1, 0.1)).toEqual({ recorded: true });
    expect(await report("st-2", 2, 0.2)).toEqual({ recorded: true });
    // Two succeeded trials give baselines 0.85 and 0.75: the rule is 0.8.
    for (const e of await finishJobs(deps, {
      "st-0": { ok: true, logs: "accuracy=0.8\naccuracy=0.9" },
      "st-1": { ok: true, logs: "accuracy=0.7\naccuracy=0.8" },
    }))
      await onTrialEvent(deps, e);
    expect((await deps.studies.get(KEY))?.medianBaselines).toEqual([0.8500000000000001, 0.75]);
    // Fewer than start_step reports: not stopped, however poor.
    expect(await report("st-3", 1, 0.1)).toEqual({ recorded: true });
    // The start_step-th report, worse than the rule: stopped.
    expect(await report("st-3", 2, 0.2)).toEqual({ recorded: true, earlyStopped: true });
    // A good trial is left alone.
    await report("st-4", 1, 0.9);
    expect(await report("st-4", 2, 0.95)).toEqual({ recorded: true });
    const trial = await deps.studies.getTrial("ns", "st-3");
    expect(trial).toMatchObject({ state: "EARLY_STOPPED", reason: "MedianStop", objective: 0.2 });
    expect((await deps.store.get({ namespace: "ns", id: "st-3" }))?.state).toBe("CANCELLED");
    const study = (await deps.studies.get(KEY))!;
    expect(study.counts).toMatchObject({ earlyStopped: 1, failed: 0, cancelled: 0 });
    expect(study.issued).toBe(6); // the freed slot was refilled
    // The cancelled job's own event is a duplicate.
    for (const e of await finishJobs(deps, {})) await onTrialEvent(deps, e);
    const rest = await activeTrialJobs(deps);
    for (const e of await finishJobs(
      deps,
      Object.fromEntries(rest.map((id) => [id, { ok: true, logs: "accuracy=0.5" }])),
    ))
      await onTrialEvent(deps, e);
    for (const e of deps.bus.messages.filter((m) => m.topic === "jobEvents"))
      await onTrialEvent(deps, e.data as Parameters<typeof onTrialEvent>[1]);
    const done = (await deps.studies.get(KEY))!;
    expect(done).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached", issued: 6 });
    expect(done.counts).toMatchObject({ succeeded: 5, earlyStopped: 1, failed: 0 });
  });
});
