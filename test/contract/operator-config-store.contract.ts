/**
 * The operator config store's contract, on both backends: defaults before any
 * change, a change and its record written together, an invalid change refused
 * whole with per-field issues, a stale or racing write refused (never lost),
 * and a change seen by the next read of another instance.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import { KineticError } from "../../shared/errors.ts";
import { DEFAULT_OPERATOR_CONFIG } from "../../shared/operator-config/schema.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import { DocOperatorConfigStore } from "../../shared/store/operator-config-store.ts";

async function refusal(p: Promise<unknown>): Promise<KineticError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KineticError) return err;
    throw err;
  }
  throw new Error("expected the write to be refused");
}

export function operatorConfigStoreContract(backend: string, open: () => DocDb): void {
  function newStore() {
    const clock = new ManualClock(new Date("2026-01-01T00:00:00Z"));
    const db = open();
    return { clock, db, store: new DocOperatorConfigStore(db, { clock }) };
  }

  describe(`operator config store on ${backend}`, () => {
    it("before any change: every default, revision 0, no history", async () => {
      const { store } = newStore();
      const state = await store.read();
      expect(state).toMatchObject({ revision: 0, set: {} });
      expect(state.config).toEqual(DEFAULT_OPERATOR_CONFIG);
      expect(state.config.nodes.defaultGpuResourceKey).toBe("nvidia.com/gpu");
      expect(state.config.scheduling.pendingThresholdForPreemption).toBe("5m");
      expect(state.config.resourceMonitoring).toMatchObject({
        lowUtilizationThreshold: 1,
        terminateUnderutilized: false,
        terminateUnderutilizedAfter: "24h",
      });
      expect(await store.history()).toEqual([]);
    });

    it("a change is applied with its record (who, when, old, new, what changed) in one write", async () => {
      const { store, clock } = newStore();
      const { state, change } = await store.write(
        { resourceMonitoring: { terminateUnderutilized: true, terminateUnderutilizedAfter: "1h30m" } },
        { by: "alice@example.com", ifRevision: 0, reason: "idle GPUs" },
      );
      expect(state.revision).toBe(1);
      expect(state.config.resourceMonitoring.terminateUnderutilized).toBe(true);
      expect(state.config.resourceMonitoring.lowUtilizationThreshold).toBe(1); // still the default
      expect(change?.changed).toEqual([
        "resourceMonitoring.terminateUnderutilized",
        "resourceMonitoring.terminateUnderutilizedAfter",
      ]);
      const again = await store.read();
      expect(again).toMatchObject({ revision: 1, updatedBy: "alice@example.com" });
      expect(again.updatedAt).toEqual(clock.now());
      const history = await store.history();
      expect(history).toHaveLength(1);
      expect(history[0]).toEqual({
        revision: 1,
        at: clock.now(),
        by: "alice@example.com",
        old: {},
        new: { resourceMonitoring: { terminateUnderutilized: true, terminateUnderutilizedAfter: "1h30m" } },
        changed: ["resourceMonitoring.terminateUnderutilized", "resourceMonitoring.terminateUnderutilizedAfter"],
        reason: "idle GPUs",
      });
    });

    it("an invalid change is refused whole, naming every bad field, and nothing is written", async () => {
      const { store } = newStore();
      await store.write({ scheduling: { pendingThresholdForPreemption: "10m" } }, { by: "a", ifRevision: 0 });
      const err = await refusal(
        store.write(
          {
            scheduling: { pendingThresholdForPreemption: "1d" },
            resourceMonitoring: { lowUtilizationThreshold: -1, terminateUnderutilized: true },
            defaultClusterQueueName: "Not_A_Name",
            nodez: {},
          },
          { by: "a", ifRevision: 1 },
        ),
      );
      expect(err.code).toBe("invalid-argument");
      const fields = err.issues.map((i) => i.field).sort();
      expect(fields).toEqual([
        "defaultClusterQueueName",
        "nodez",
        "resourceMonitoring.lowUtilizationThreshold",
        "scheduling.pendingThresholdForPreemption",
      ]);
      const state = await store.read();
      expect(state.revision).toBe(1);
      expect(state.config.resourceMonitoring.terminateUnderutilized).toBe(false); // the valid part was not applied
      expect(state.config.scheduling.pendingThresholdForPreemption).toBe("10m");
      expect(await store.history()).toHaveLength(1);
    });

    it("a write based on an old revision is refused, not lost, and nothing is written", async () => {
      const { store } = newStore();
      await store.write({ defaultClusterQueueName: "first" }, { by: "a", ifRevision: 0 });
      const err = await refusal(store.write({ defaultClusterQueueName: "stale" }, { by: "b", ifRevision: 0 }));
      expect(err.code).toBe("failed-precondition");
      expect(err.issues[0]?.field).toBe("revision");
      expect((await store.read()).config.defaultClusterQueueName).toBe("first");
      expect((await store.history()).map((c) => c.by)).toEqual(["a"]);
    });

    it("concurrent writes from the same revision: exactly one lands, each other one is refused, one record", async () => {
      const { db } = newStore();
      // Separate instances, as separate function instances would be.
      const writers = Array.from({ length: 5 }, () => new DocOperatorConfigStore(db));
      const results = await Promise.allSettled(
        writers.map((w, i) =>
          w.write({ defaultClusterQueueCohortName: `cohort-${i}` }, { by: `op-${i}`, ifRevision: 0 }),
        ),
      );
      const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect((r.reason as KineticError).code).toBe("failed-precondition");
      }
      const reader = new DocOperatorConfigStore(db);
      const state = await reader.read();
      expect(state).toMatchObject({ revision: 1, updatedBy: `op-${won[0]}` });
      expect(state.config.defaultClusterQueueCohortName).toBe(`cohort-${won[0]}`);
      const history = await reader.history();
      expect(history.map((c) => c.by)).toEqual([`op-${won[0]}`]);
    });

    it("a write that changes nothing makes no revision and no record", async () => {
      const { store } = newStore();
      await store.write({ ray: { headPodMemory: "32Gi", defaultRayImage: "r:1" } }, { by: "a", ifRevision: 0 });
      // The same settings in another key order.
      const { state, change } = await store.write(
        { ray: { defaultRayImage: "r:1", headPodMemory: "32Gi" } },
        { by: "a", ifRevision: 1 },
      );
      expect(change).toBeUndefined();
      expect(state.revision).toBe(1);
      expect(await store.history()).toHaveLength(1);
    });

    it("history is newest first and pages with `before`", async () => {
      const { store, clock } = newStore();
      for (let i = 1; i <= 3; i++) {
        clock.advance(1_000);
        await store.write({ data: { defaultDataMountPath: `/data${i}` } }, { by: `op${i}`, ifRevision: i - 1 });
      }
      const first = await store.history({ limit: 2 });
      expect(first.map((c) => c.revision)).toEqual([3, 2]);
      expect(first[0]?.old).toEqual({ data: { defaultDataMountPath: "/data2" } });
      const rest = await store.history({ limit: 2, before: 2 });
      expect(rest.map((c) => c.revision)).toEqual([1]);
    });

    it("another instance's change is seen by the next read; a cached read is reused only within its max age", async () => {
      const { db, clock } = newStore();
      const cron = new DocOperatorConfigStore(db, { clock });
      const api = new DocOperatorConfigStore(db, { clock });
      expect((await cron.current()).resourceMonitoring.terminateUnderutilized).toBe(false);
      await api.write({ resourceMonitoring: { terminateUnderutilized: true } }, { by: "op", ifRevision: 0 });
      // A cron reads fresh: the change is in effect on its next run, no restart.
      expect((await cron.current()).resourceMonitoring.terminateUnderutilized).toBe(true);
      await api.write({}, { by: "op", ifRevision: 1 });
      expect((await cron.current({ maxAgeMs: 10_000 })).resourceMonitoring.terminateUnderutilized).toBe(true);
      clock.advance(10_001);
      expect((await cron.current({ maxAgeMs: 10_000 })).resourceMonitoring.terminateUnderutilized).toBe(false);
    });
  });
}
