/**
 * The document port's contract: what every store relies on, run against
 * both backends (memory in the unit project, the Firestore emulator in the
 * integration project), so the in-memory backend behaves like Firestore where
 * correctness depends on it.
 */
import { describe, expect, it } from "vitest";
import type { DocDb } from "../../shared/store/docs.ts";

export function docsContract(backend: string, open: () => DocDb): void {
  describe(`document port on ${backend}`, () => {
    it("create is first-writer-wins, also when callers race", async () => {
      const db = open();
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => db.create("c", "x", { n: i })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.findIndex((r) => r !== false);
      const stored = (await db.get("c", "x"))!;
      expect(stored.data).toEqual({ n: winner });
      // The winner learns the version it wrote: a compare-and-set over it needs no read.
      expect(results[winner]).toBe(stored.version);
      expect(await db.update("c", "x", { n: 99 }, [], { ifVersion: results[winner] as string })).toBe(true);
    });

    it("round-trips Dates, nested objects and arrays; drops undefined values", async () => {
      const db = open();
      const at = new Date("2026-03-01T00:00:00.123Z");
      await db.set("c", "d", { at, nested: { list: [1, "a", { b: true }] }, gone: undefined });
      const snap = await db.get("c", "d");
      expect(snap?.data).toEqual({ at, nested: { list: [1, "a", { b: true }] } });
      expect(snap?.data.at).toBeInstanceOf(Date);
    });

    it("get and getAll leave out missing documents; update of a missing one reports false", async () => {
      const db = open();
      await db.set("c", "a", { v: 1 });
      await db.set("c", "b", { v: 2 });
      expect(await db.get("c", "nope")).toBeUndefined();
      expect((await db.getAll("c", ["a", "nope", "b"])).map((s) => s.id).sort()).toEqual(["a", "b"]);
      expect(await db.update("c", "nope", { v: 3 })).toBe(false);
      expect(await db.update("c", "a", { w: 1 }, ["v"])).toBe(true);
      expect((await db.get("c", "a"))?.data).toEqual({ w: 1 });
    });

    it("update with ifVersion writes only over the version read: a compare-and-set, one winner among racers", async () => {
      const db = open();
      await db.create("cas", "d", { n: 0, gone: true });
      const read = (await db.get("cas", "d"))!;
      const results = await Promise.all(
        [1, 2, 3].map((n) => db.update("cas", "d", { n }, ["gone"], { ifVersion: read.version })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = (await db.get("cas", "d"))!;
      expect(after.data).toEqual({ n: [1, 2, 3][results.indexOf(true)] });
      expect(await db.update("cas", "d", { n: 9 }, [], { ifVersion: read.version })).toBe(false);
      expect(await db.update("cas", "missing", { n: 9 }, [], { ifVersion: read.version })).toBe(false);
      expect((await db.get("cas", "d"))!.data).toEqual(after.data);
    });

    it("transactions lose no update under contention", async () => {
      const db = open();
      await db.set("c", "counter", { n: 0 });
      await Promise.all(
        Array.from({ length: 10 }, () =>
          db.transaction(async (tx) => {
            const n = (await tx.get("c", "counter"))!.data.n as number;
            tx.update("c", "counter", { n: n + 1 });
          }),
        ),
      );
      expect((await db.get("c", "counter"))?.data.n).toBe(10);
    });

    it("a transaction that creates a document it read as missing runs once per winner", async () => {
      const db = open();
      const created = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          db.transaction(async (tx) => {
            if (await tx.get("c", "once")) return false;
            tx.set("c", "once", { by: i });
            return true;
          }),
        ),
      );
      expect(created.filter(Boolean)).toHaveLength(1);
    });

    it("refuses a read after a write inside a transaction", async () => {
      const db = open();
      await expect(
        db.transaction(async (tx) => {
          tx.set("c", "w", { v: 1 });
          await tx.get("c", "w");
        }),
      ).rejects.toThrow(/reads/i);
      expect(await db.get("c", "w")).toBeUndefined();
    });

    it("queries filter, order with the id as tie-breaker, page with startAfter, and skip documents missing an ordered field", async () => {
      const db = open();
      const rows = [
        ["a", "x", 3],
        ["b", "x", 1],
        ["c", "y", 2],
        ["d", "x", 1],
        ["e", "x", 5],
      ] as const;
      for (const [id, group, rank] of rows) await db.set("q", id, { group, rank });
      await db.set("q", "norank", { group: "x" });
      const asc = await db.query("q", {
        where: [{ field: "group", op: "==", value: "x" }],
        orderBy: [{ field: "rank", dir: "asc" }],
        limit: 10,
      });
      expect(asc.map((s) => s.id)).toEqual(["b", "d", "a", "e"]);
      const desc = await db.query("q", { orderBy: [{ field: "rank", dir: "desc" }], limit: 3 });
      expect(desc.map((s) => s.id)).toEqual(["e", "a", "c"]);
      const page2 = await db.query("q", {
        orderBy: [{ field: "rank", dir: "desc" }],
        startAfter: [2, "c"],
        limit: 10,
      });
      expect(page2.map((s) => s.id)).toEqual(["d", "b"]);
      const range = await db.query("q", {
        where: [{ field: "rank", op: "<=", value: 2 }],
        orderBy: [{ field: "rank", dir: "asc" }],
        limit: 10,
      });
      expect(range.map((s) => s.id)).toEqual(["b", "d", "c"]);
    });

    it("range filters on Dates", async () => {
      const db = open();
      await db.set("t", "old", { expireAt: new Date("2026-01-01T00:00:00Z") });
      await db.set("t", "new", { expireAt: new Date("2026-06-01T00:00:00Z") });
      await db.set("t", "none", { other: 1 });
      const expired = await db.query("t", {
        where: [{ field: "expireAt", op: "<=", value: new Date("2026-03-01T00:00:00Z") }],
        orderBy: [{ field: "expireAt", dir: "asc" }],
        limit: 10,
      });
      expect(expired.map((s) => s.id)).toEqual(["old"]);
    });

    it("deleteIfUnchanged deletes what is unchanged and keeps what changed since it was read", async () => {
      const db = open();
      await db.set("r", "same", { v: 1 });
      await db.set("r", "moved", { v: 1 });
      const same = (await db.get("r", "same"))!;
      const moved = (await db.get("r", "moved"))!;
      await db.update("r", "moved", { v: 2 });
      const outcomes = await db.deleteIfUnchanged("r", [same, moved]);
      expect(Object.fromEntries(outcomes.map((o) => [o.id, o.outcome]))).toEqual({ same: "deleted", moved: "changed" });
      expect(await db.get("r", "same")).toBeUndefined();
      expect((await db.get("r", "moved"))?.data).toEqual({ v: 2 });
    });

    it("counts reads and writes the way Firestore bills them", async () => {
      const db = open();
      const before = { ...db.stats };
      await db.set("s", "a", { v: 1 });
      await db.getAll("s", ["a", "b"]);
      await db.query("s", { where: [{ field: "v", op: "==", value: 9 }], limit: 5 });
      expect(db.stats.writes - before.writes).toBe(1);
      // two per getAll (found or not) and one for an empty query
      expect(db.stats.reads - before.reads).toBe(3);
    });
  });
}
