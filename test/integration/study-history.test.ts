/**
 * A study's searcher history on the Firestore emulator at a size that would
 * not fit one document: 3,000 trials of ten long-named double parameters
 * (≈ 1.3 MB as one array: over Firestore's 1 MiB document limit). The store
 * keeps it in studyHistory chunks (shared/store/study-history.ts), so the
 * study document stays small, each chunk is far below the limit, the history
 * reads back whole, and the searcher rebuilt from it asks what the original
 * would. Trials are reserved by the domain's own `reserve` (400 per
 * transaction, 1,000 in flight) and each 1,000 finished in one bulk step.
 */
import { Firestore } from "@google-cloud/firestore";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { HISTORY_CHUNK, STUDIES, STUDY_HISTORY, studyKey, ZERO_COUNTS } from "../../shared/store/study-store.ts";
import { DocStudyStore, type StudyDoc } from "../../shared/store/study-store.ts";
import { reserve } from "../../shared/studies/rules.ts";
import { fromHistory } from "../../shared/tuning/search/search.ts";
import { parseStudySpec, plannedTrials } from "../../shared/tuning/study-spec.ts";
import { uniqueId } from "./support.ts";

const TRIALS = 3_000;
const MIB = 1024 * 1024;
const bytes = (d: unknown) => Buffer.byteLength(JSON.stringify(d));

describe("study history on the Firestore emulator", () => {
  it("a 3,000-trial study with ten parameters fits: small study document, chunks under 1 MiB, history whole", async () => {
    const db = new Firestore({ projectId: uniqueId("hist") });
    const store = new DocStudyStore(new FirestoreDocs(db), { clock: systemClock });
    const hyperparameters = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `learning_rate_of_block_${i}`,
        { type: "double", min: 1e-6, max: 1, log: true },
      ]),
    );
    const spec = parseStudySpec({
      id: "wide",
      hyperparameters,
      objectives: ["loss"],
      objectiveType: "minimize",
      trials: TRIALS,
      parallelTrials: 1_000,
      trialTemplate: { namespace: "ns", image: "python:3.12-slim", command: ["python", "train.py"] },
    });
    const at = new Date().toISOString();
    const study: StudyDoc = {
      id: "wide",
      namespace: "ns",
      state: "CREATED",
      reason: "Created",
      createdAt: at,
      updatedAt: at,
      events: [],
      spec,
      principal: "tester",
      seed: 7,
      plannedTrials: plannedTrials(spec),
      issued: 0,
      active: 0,
      counts: { ...ZERO_COUNTS },
      history: [],
      notes: [],
    };
    const key = { namespace: "ns", id: "wide" };
    expect((await store.create(study)).created).toBe(true);
    // Reserve until 1,000 are in flight; then they all finish (as recordResult leaves the history) in one commit.
    for (let done = 0; done < TRIALS;) {
      done = await store.transact(key, undefined, ({ study, now }) => {
        if (study.active < study.spec.parallelTrials) {
          const r = reserve(study, now);
          return { write: { study: r.study, trials: r.trials }, result: 0 };
        }
        const history = study.history.map((h) =>
          h.state === "pending" ? { ...h, state: "succeeded" as const, value: 1 / (h.index + 1) } : h,
        );
        const succeeded = study.counts.succeeded + study.active;
        const next = { ...study, history, active: 0, counts: { ...study.counts, succeeded } };
        return { write: { study: next }, result: succeeded };
      });
    }

    const read = (await store.get(key))!;
    expect(read.history).toHaveLength(TRIALS);
    expect(read.history.map((h) => h.index)).toEqual(Array.from({ length: TRIALS }, (_, k) => k));
    expect(read.history.every((h) => h.state === "succeeded" && h.value === 1 / (h.index + 1))).toBe(true);
    // As one array it would not fit a document; as stored, nothing comes near the limit.
    expect(bytes(read.history)).toBeGreaterThan(MIB);
    const raw = await db.collection(STUDIES).doc(studyKey(key)).get();
    expect(raw.get("history")).toBeUndefined();
    expect(raw.get("historyChunks")).toBe(TRIALS / HISTORY_CHUNK);
    expect(bytes(raw.data())).toBeLessThan(16 * 1024);
    const chunks = await db.collection(STUDY_HISTORY).get();
    expect(chunks.size).toBe(TRIALS / HISTORY_CHUNK);
    for (const c of chunks.docs) expect(bytes(c.data())).toBeLessThan(MIB / 4);
    // The searcher rebuilt from what was stored continues exactly as one holding the history in memory.
    const options = { space: spec.hyperparameters, seed: 7, algorithm: "random" as const };
    const inMemory = fromHistory(options, read.history).ask();
    expect(fromHistory(options, (await store.get(key))!.history).ask()).toEqual(inMemory);
    // deleteStudy removes the chunks with the study.
    await store.delete(read);
    expect((await db.collection(STUDY_HISTORY).get()).size).toBe(0);
    await db.terminate();
  }, 300_000);
});
