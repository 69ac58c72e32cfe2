/**
 * Reference check 18 on the Firestore emulator: 20 trial completions (each
 * delivered twice, in two orders) processed concurrently by the study domain
 * never leave more than parallelTrials active or create more than `trials`,
 * and the best trial is the best of what was recorded. The cluster is the
 * in-memory one (this is about Firestore transactions, not Kubernetes).
 */
import { describe, expect, it } from "vitest";
import { memoryDeps } from "../../shared/testing.ts";
import { createStudy } from "../../shared/studies/create.ts";
import { onTrialEvent } from "../../shared/studies/events.ts";
import { activeTrialJobs, finishJobs, LoggingCluster, testStudySpec } from "../../shared/studies/study-test-kit.ts";
import type { StudyTestDeps } from "../../shared/studies/study-test-kit.ts";
import { Firestore } from "@google-cloud/firestore";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores } from "../../shared/stores.ts";
import { uniqueId } from "./support.ts";

const KEY = { namespace: "ns", id: "st" };

/** Deps on a fresh emulator project; `instances` of them share the project and the cluster (separate clients). */
function emulatorDeps(instances = 1): StudyTestDeps[] {
  const base = memoryDeps({ namespaces: ["ns"] });
  const projectId = uniqueId("study"); // one emulator project shared by the instances
  const cluster = new LoggingCluster();
  return Array.from({ length: instances }, () => ({
    ...base,
    ...createStores(new FirestoreDocs(new Firestore({ projectId })), { clock: base.clock }),
    cluster,
  }));
}

describe("study fan-out on the Firestore emulator", () => {
  it(
    "check 18: 20 concurrent completions on two instances never exceed parallel or trials; best is consistent",
    { timeout: 300_000 },
    async () => {
      const [deps, other] = emulatorDeps(2) as [StudyTestDeps, StudyTestDeps];
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
      let polling = true;
      const poll = (async () => {
        while (polling) maxActive = Math.max(maxActive, (await deps.studies.get(KEY))?.active ?? 0);
      })();
      // Two instances, each handed every completion once, in opposite orders, all at once.
      const results = await Promise.all([
        ...events.map((e) => onTrialEvent(deps, e)),
        ...events
          .slice()
          .reverse()
          .map((e) => onTrialEvent(other, e)),
      ]);
      polling = false;
      await poll;
      expect(results.filter((r) => r.status === "recorded")).toHaveLength(20);
      const study = (await deps.studies.get(KEY))!;
      expect(maxActive).toBeLessThanOrEqual(20);
      expect(study).toMatchObject({ issued: 30, active: 10, counts: { succeeded: 20 } });
      const bestValue = Math.max(...values.values());
      expect(study.best).toMatchObject({ value: bestValue, trialId: first.find((id) => values.get(id) === bestValue) });
      expect(deps.cluster.objects.size).toBe(30);
      expect((await deps.studies.listTrials(study)).map((t) => t.index)).toEqual([...Array(30).keys()]);
    },
  );

  it("check 16 and 2: duplicates and MetricsUnavailable trials never create more than `trials`", async () => {
    const [deps] = emulatorDeps() as [StudyTestDeps];
    await createStudy(deps, {
      spec: testStudySpec({ trials: 6, parallelTrials: 3, failedTrials: null }),
      principal: "t",
    });
    for (let round = 0; round < 10; round++) {
      const active = await activeTrialJobs(deps);
      if (!active.length) break;
      const events = await finishJobs(
        deps,
        Object.fromEntries(active.map((id, i) => [id, { ok: true, logs: i ? "accuracy=0.4" : "" }])),
      );
      await Promise.all([...events, ...events].map((e) => onTrialEvent(deps, e)));
    }
    const study = (await deps.studies.get(KEY))!;
    expect(study).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached", issued: 6, active: 0 });
    expect(study.counts.metricsUnavailable + study.counts.succeeded).toBe(6);
    expect(deps.cluster.objects.size).toBe(6);
  });
});
