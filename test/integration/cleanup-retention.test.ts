/**
 * Record retention and cost on the Firestore emulator (the cluster is an
 * in-memory double here: these tests are about Firestore): records past
 * retention are purged in batches, unfinished ones are kept, dry runs purge
 * nothing, and a run's reads do not grow with the number of old records.
 */
import { seedHistory } from "../../scripts/lib/seed-history.ts";
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import { CLEANUP_RUNS as RUNS } from "../../shared/store/run-store.ts";
import { runCleanup } from "../../shared/cleanup/run.ts";
import type { CleanupDeps } from "../../shared/cleanup/types.ts";
import { JOBS, type JobStore } from "../../shared/store/job-store.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores } from "../../shared/stores.ts";
import { MemoryCluster } from "../../shared/cluster/memory-cluster.ts";
import { testFirestore, testLog } from "./support.ts";

const DAY = 86_400_000;

function setup() {
  const clock = new ManualClock("2026-03-01T00:00:00Z");
  const db = testFirestore("cleanup-ret");
  const stores = createStores(new FirestoreDocs(db), { clock, retentionDays: 30 });
  const store = stores.store;
  const cluster = new MemoryCluster();
  const deps: CleanupDeps = {
    ...stores,
    cluster,
    clock,
    log: testLog,
    config: { defaultTtlSeconds: 3600, retentionDays: 30 },
  };
  return { clock, db, store, cluster, deps };
}

async function finished(store: JobStore, id: string, extra: Record<string, unknown> = {}): Promise<void> {
  await store.create({ id, namespace: "ns", accelerator: "cpu" });
  await store.transition({ namespace: "ns", id }, { to: "SUCCEEDED", reason: "Completed" });
  await store.patch({ namespace: "ns", id }, { active: false, finishedEventPublished: true, ...extra });
}

async function ids(db: Firestore, collection = JOBS): Promise<string[]> {
  return (await db.collection(collection).get()).docs.map((d) => d.id).sort();
}

describe("record retention", () => {
  it("purges finished records past retention, keeps the rest, and a dry run purges nothing", async () => {
    const { clock, db, store, deps } = setup();
    for (let i = 0; i < 7; i++) await finished(store, `old-${i}`);
    // Past retention, but its cluster objects were never cleaned up: keep it so they are not lost track of.
    await finished(store, "old-pending", { cleanupPending: true, cleanupDueAt: "2099-01-01T00:00:00.000Z" });
    clock.advance(20 * DAY);
    await finished(store, "recent");
    await store.create({ id: "active", namespace: "ns", accelerator: "cpu" });
    await db
      .collection(RUNS)
      .doc("ancient-run")
      .set({ status: "completed", expireAt: Timestamp.fromMillis(clock.now().getTime() - DAY) });
    clock.advance(11 * DAY);

    const dry = await runCleanup(deps, { dryRun: true, pageSize: 3 });
    expect(dry.counts).toMatchObject({ wouldPurge: 8, purged: 0 });
    expect((await ids(db)).length).toBe(10);

    const real = await runCleanup(deps, { pageSize: 3 });
    expect(real.status).toBe("completed");
    expect(real.counts).toMatchObject({ purged: 8, errors: 0 });
    // Both runs pay the same lease and run-record overhead; the difference is the purge.
    expect(real.cost.deletes - dry.cost.deletes).toBe(8);
    expect(real.items.find((i) => i.name === "old-pending")).toMatchObject({
      action: "kept",
      reason: expect.stringMatching(/cleanup is not finished/),
    });
    expect(await ids(db)).toEqual(["ns:active", "ns:old-pending", "ns:recent"]);
    expect(await ids(db, RUNS)).not.toContain("ancient-run");
  });

  it("a run's Firestore reads do not grow with history", async () => {
    const costs: number[] = [];
    for (const history of [0, 400]) {
      const { clock, db, store, cluster, deps } = setup();
      await seedHistory(db, history, (i) => {
        const at = new Date(clock.now().getTime() - (i % 20) * DAY).toISOString();
        return { id: `hist-${i}`, at, expireAtMs: Date.parse(at) + 30 * DAY };
      });
      for (let i = 0; i < 5; i++) {
        await finished(store, `due-${i}`, {
          workload: { kind: "Job", name: `due-${i}`, namespace: "ns" },
          cleanupPending: true,
          cleanupDueAt: clock.now().toISOString(),
        });
        cluster.addJob("ns", `due-${i}`, clock.now().toISOString());
      }
      clock.advance(2 * 3600_000);
      const run = await runCleanup(deps, {});
      expect(run.counts.deleted).toBe(5);
      costs.push(run.cost.reads);
    }
    expect(costs[1]).toBe(costs[0]);
  });
});
