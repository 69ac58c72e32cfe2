/**
 * The study store's contract, on both backends: first-writer-wins studies,
 * slot reservation that never overshoots parallelTrials or the planned
 * trials under concurrency (reference checks 1, 2, 18), a commit guard that
 * refuses any write breaking the budget, trial states that never move back,
 * pushed metrics idempotent per (trial, step) (check 15), and deleteStudy.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import { withRetry } from "../../shared/retry.ts";
import { ZERO_COUNTS, type StudyDoc, type StudyTx, type TrialDoc } from "../../shared/store/study-store.ts";
import { createStores } from "../../shared/stores.ts";
import { parseStudySpec } from "../../shared/tuning/study-spec.ts";
import { trialJobId } from "../../shared/tuning/substitute.ts";

function studyDoc(id: string, trials: number, parallel: number): StudyDoc {
  const spec = parseStudySpec({
    id,
    hyperparameters: { x: { type: "double", min: 0, max: 1 } },
    objectives: ["loss"],
    trials,
    parallelTrials: parallel,
    trialTemplate: { namespace: "ns", image: "python:3.12", command: ["python", "t.py"] },
  });
  const at = "2026-03-01T00:00:00.000Z";
  return {
    id,
    namespace: "ns",
    state: "CREATED",
    reason: "Created",
    createdAt: at,
    updatedAt: at,
    events: [{ at, state: "CREATED", reason: "Created" }],
    spec,
    principal: "tester",
    seed: 1,
    plannedTrials: trials,
    issued: 0,
    active: 0,
    counts: { ...ZERO_COUNTS },
    history: [],
    notes: [],
  };
}

function trialDoc(study: StudyDoc, index: number): TrialDoc {
  const id = trialJobId(study.id, index);
  const at = "2026-03-01T00:00:00.000Z";
  return {
    id,
    namespace: study.namespace,
    studyId: study.id,
    index,
    params: { x: index / 100 },
    jobId: id,
    state: "CREATED",
    reason: "Suggested",
    createdAt: at,
    updatedAt: at,
    events: [{ at, state: "CREATED", reason: "Suggested" }],
  };
}

/** A naive reserver: one slot if the budget allows, judged on what the transaction read. */
function reserveOne({ study }: StudyTx) {
  if (study.active >= study.spec.parallelTrials || study.issued >= study.plannedTrials)
    return { result: undefined as string | undefined };
  const trial = trialDoc(study, study.issued);
  const next = { ...study, issued: study.issued + 1, active: study.active + 1 };
  return { write: { study: next, trials: [trial] }, result: trial.id as string | undefined };
}

/** Finishes one active trial (the oldest still active), freeing its slot. */
function finishOne(trialIndex: number) {
  return ({ study, trial }: StudyTx) => {
    if (!trial || trial.state === "SUCCEEDED") return { result: false };
    const done: TrialDoc = { ...trial, state: "SUCCEEDED", reason: "Done" };
    return { write: { study: { ...study, active: study.active - 1 }, trials: [done] }, result: trialIndex >= 0 };
  };
}

const RETRY = { attempts: 8, baseDelayMs: 20, maxDelayMs: 500 };

export function studyStoreContract(backend: string, open: () => DocDb): void {
  const newStore = () => createStores(open(), { clock: new ManualClock("2026-03-01T00:00:00Z") }).studies;

  describe(`study store on ${backend}`, () => {
    it("creates a study once (first writer wins) and reads it back", async () => {
      const studies = newStore();
      const doc = studyDoc("s1", 4, 2);
      const results = await Promise.all([studies.create(doc), studies.create({ ...doc, principal: "other" })]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await studies.get({ namespace: "ns", id: "s1" })).toMatchObject({ id: "s1", state: "CREATED" });
      expect(await studies.get({ namespace: "other", id: "s1" })).toBeUndefined();
      expect((await studies.list({ namespace: "ns" })).map((s) => s.id)).toEqual(["s1"]);
    });

    // 10 racers: enough to contend on every reservation; the Firestore emulator serialises contended
    // transactions with lock waits, and 24 racers took from 10 s to over 2 minutes on a loaded machine.
    it("check 18: 10 concurrent reservations never exceed parallelTrials active or the planned trials", async () => {
      const studies = newStore();
      const doc = studyDoc("s2", 5, 3);
      await studies.create(doc);
      const got = await Promise.all(
        Array.from({ length: 10 }, () => withRetry(() => studies.transact(doc, undefined, reserveOne), RETRY)),
      );
      expect(got.filter(Boolean).sort()).toEqual(["s2-0", "s2-1", "s2-2"]);
      // Free every slot concurrently, then race again: only the remaining budget (2) is created.
      await Promise.all(
        [0, 1, 2].map((k) => withRetry(() => studies.transact(doc, trialJobId("s2", k), finishOne(k)), RETRY)),
      );
      const more = await Promise.all(
        Array.from({ length: 10 }, () => withRetry(() => studies.transact(doc, undefined, reserveOne), RETRY)),
      );
      expect(more.filter(Boolean).sort()).toEqual(["s2-3", "s2-4"]);
      const study = (await studies.get(doc))!;
      expect(study).toMatchObject({ issued: 5, active: 2 });
      expect((await studies.listTrials(study)).map((t) => t.id)).toEqual(["s2-0", "s2-1", "s2-2", "s2-3", "s2-4"]);
    });

    it("refuses a commit that breaks the budget or skips a trial index, whatever the step computed", async () => {
      const studies = newStore();
      const doc = studyDoc("s3", 2, 1);
      await studies.create(doc);
      const over = ({ study }: StudyTx) => ({
        write: { study: { ...study, issued: 2, active: 2 }, trials: [trialDoc(study, 0), trialDoc(study, 1)] },
        result: 0,
      });
      await expect(studies.transact(doc, undefined, over)).rejects.toMatchObject({ code: "internal" });
      const skip = ({ study }: StudyTx) => ({
        write: { study: { ...study, issued: 1, active: 1 }, trials: [trialDoc(study, 1)] },
        result: 0,
      });
      await expect(studies.transact(doc, undefined, skip)).rejects.toMatchObject({ code: "internal" });
      expect(await studies.get(doc)).toMatchObject({ issued: 0, active: 0 });
      expect(await studies.getTrial("ns", "s3-1")).toBeUndefined();
    });

    it("check 17: trial states never move back; terminal states absorb", async () => {
      const studies = newStore();
      const doc = studyDoc("s4", 2, 2);
      await studies.create(doc);
      await studies.transact(doc, undefined, reserveOne);
      expect(
        await studies.transitionTrial("ns", "s4-0", { from: ["CREATED"], to: "PENDING", reason: "Dispatched" }),
      ).toBe(true);
      expect(
        await studies.transitionTrial("ns", "s4-0", { from: ["CREATED"], to: "PENDING", reason: "Dispatched" }),
      ).toBe(false);
      expect(await studies.transitionTrial("ns", "s4-0", { to: "FAILED", reason: "JobFailed" })).toBe(true);
      expect(await studies.transitionTrial("ns", "s4-0", { to: "PENDING", reason: "Late" })).toBe(false);
      expect(await studies.transitionTrial("ns", "s4-0", { to: "SUCCEEDED", reason: "Late" })).toBe(false);
      const t = await studies.getTrial("ns", "s4-0");
      expect(t?.state).toBe("FAILED");
      expect(t?.events.map((e) => e.state)).toEqual(["CREATED", "PENDING", "FAILED"]);
      expect(await studies.transitionTrial("ns", "nope-0", { to: "FAILED", reason: "x" })).toBe(false);
    });

    it("check 15: pushed metrics are idempotent per (trial, step), also under concurrent retries", async () => {
      const studies = newStore();
      const doc = studyDoc("s5", 2, 2);
      await studies.create(doc);
      await studies.transact(doc, undefined, reserveOne);
      const first = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          withRetry(() => studies.reportMetrics("ns", "s5-0", 1, { loss: i === 0 ? 0.5 : 0.5 }), RETRY),
        ),
      );
      expect(first.filter(Boolean)).toHaveLength(1);
      expect(await studies.reportMetrics("ns", "s5-0", 1, { loss: 0.1 })).toBe(false); // a retry with other bytes
      expect(await studies.reportMetrics("ns", "s5-0", 2, { loss: 0.4 })).toBe(true);
      expect((await studies.getTrial("ns", "s5-0"))?.pushed).toEqual({ "1": { loss: 0.5 }, "2": { loss: 0.4 } });
      await studies.transitionTrial("ns", "s5-0", { to: "SUCCEEDED", reason: "Done" });
      expect(await studies.reportMetrics("ns", "s5-0", 3, { loss: 0.3 })).toBe(false);
    });

    it("check 28: delete removes the study and its trial records; poison messages are recorded once", async () => {
      const studies = newStore();
      const doc = studyDoc("s6", 3, 3);
      await studies.create(doc);
      for (let i = 0; i < 3; i++) await studies.transact(doc, undefined, reserveOne);
      const study = (await studies.get(doc))!;
      expect(await studies.listTrials(study)).toHaveLength(3);
      await studies.delete(study);
      expect(await studies.get(doc)).toBeUndefined();
      expect(await studies.getTrials("ns", ["s6-0", "s6-1", "s6-2"])).toEqual([]);
      await studies.recordPoison("m-1", "not JSON", "{{");
      await studies.recordPoison("m-1", "not JSON", "{{");
    });
  });
}
