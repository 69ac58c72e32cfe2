/** The run-record store's contract, on both backends: create-once, overwrite, interrupt only running, expiry. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import type { CleanupSummary } from "../../shared/cleanup/types.ts";
import { emptyCounts } from "../../shared/cleanup/types.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import { createStores } from "../../shared/stores.ts";

function run(runId: string, status: CleanupSummary["status"], startedAt = "2026-03-01T00:00:00.000Z"): CleanupSummary {
  return {
    runId,
    status,
    trigger: "schedule",
    dryRun: false,
    options: {},
    startedAt,
    counts: emptyCounts(),
    items: [],
    itemsTruncated: 0,
    cost: { reads: 0, writes: 0, deletes: 0 },
  };
}

export function runStoreContract(backend: string, open: () => DocDb): void {
  describe(`run store on ${backend}`, () => {
    it("create writes once; put overwrites; get returns the record without bookkeeping", async () => {
      const runs = createStores(open(), { clock: new ManualClock(), retentionDays: 7 }).cleanupRuns;
      expect(await runs.create(run("r1", "skipped"))).toBe(true);
      expect(await runs.create(run("r1", "running"))).toBe(false);
      expect((await runs.get("r1"))?.status).toBe("skipped");
      await runs.put({ ...run("r1", "completed"), message: "done" });
      expect(await runs.get("r1")).toEqual({ ...run("r1", "completed"), message: "done" });
      expect(await runs.get("r2")).toBeUndefined();
    });

    it("marks only a running record interrupted", async () => {
      const runs = createStores(open(), { clock: new ManualClock() }).cleanupRuns;
      await runs.put(run("dead", "running"));
      await runs.put(run("done", "completed"));
      await runs.markInterrupted("dead", "taken over");
      await runs.markInterrupted("done", "taken over");
      await runs.markInterrupted("never", "taken over");
      expect(await runs.get("dead")).toMatchObject({ status: "interrupted", message: "taken over" });
      expect((await runs.get("done"))?.status).toBe("completed");
      expect(await runs.get("never")).toBeUndefined();
    });

    it("lists the newest records by start, up to the limit", async () => {
      const runs = createStores(open(), { clock: new ManualClock() }).cleanupRuns;
      for (const [id, day] of [
        ["a", "01"],
        ["c", "03"],
        ["b", "02"],
      ] as const)
        await runs.put(run(id, "completed", `2026-03-${day}T00:00:00.000Z`));
      expect((await runs.listRecent(2)).map((r) => r.runId)).toEqual(["c", "b"]);
      expect(await runs.listRecent(5)).toEqual([
        run("c", "completed", "2026-03-03T00:00:00.000Z"),
        run("b", "completed", "2026-03-02T00:00:00.000Z"),
        run("a", "completed", "2026-03-01T00:00:00.000Z"),
      ]);
    });

    it("records expire retentionDays after they start", async () => {
      const runs = createStores(open(), { clock: new ManualClock(), retentionDays: 7 }).cleanupRuns;
      await runs.put(run("old", "completed", "2026-03-01T00:00:00.000Z"));
      await runs.put(run("new", "completed", "2026-03-05T00:00:00.000Z"));
      const expired = await runs.listExpired(new Date("2026-03-09T00:00:00Z"), { limit: 10 });
      expect(expired.map((e) => [e.id, e.expireAt.toISOString()])).toEqual([["old", "2026-03-08T00:00:00.000Z"]]);
      expect((await runs.deleteIfUnchanged(expired)).map((o) => o.outcome)).toEqual(["deleted"]);
      expect(await runs.get("old")).toBeUndefined();
    });
  });
}
