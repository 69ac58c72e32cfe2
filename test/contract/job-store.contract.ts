/**
 * The job store's contract, on both backends: idempotent create, monotonic
 * transitions under concurrency, paging, and the cleanup and retention
 * queries.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import { createStores } from "../../shared/stores.ts";
import { jobKey } from "../../shared/store/job-store.ts";

export function jobStoreContract(backend: string, open: () => DocDb): void {
  function newStore() {
    const clock = new ManualClock("2026-03-01T00:00:00Z");
    return { clock, store: createStores(open(), { clock, retentionDays: 30 }).store };
  }

  describe(`job store on ${backend}`, () => {
    it("creates a job once; a second create in its namespace returns the first", async () => {
      const { store } = newStore();
      const a = await store.create({ id: "job-a", namespace: "ns", accelerator: "nvidia-l4" });
      const b = await store.create({ id: "job-a", namespace: "ns", accelerator: "tpu-v6e-8" });
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.job).toMatchObject({ id: "job-a", namespace: "ns", accelerator: "nvidia-l4", state: "QUEUED" });
    });

    it("a job is (namespace, id): the same id in another namespace is another job, untouched by the first", async () => {
      const { store } = newStore();
      await store.create({ id: "same", namespace: "team-a", accelerator: "nvidia-l4" });
      const b = await store.create({ id: "same", namespace: "team-b", accelerator: "tpu-v6e-8" });
      expect(b).toMatchObject({ created: true, job: { namespace: "team-b", accelerator: "tpu-v6e-8" } });
      await store.transition({ namespace: "team-b", id: "same" }, { to: "CANCELLED", reason: "CancelledByUser" });
      expect((await store.get({ namespace: "team-a", id: "same" }))?.state).toBe("QUEUED");
      expect((await store.get({ namespace: "team-b", id: "same" }))?.state).toBe("CANCELLED");
      expect((await store.get({ namespace: "team-c", id: "same" })) ?? null).toBeNull();
      const found = await store.findById("same");
      expect(found.map((j) => j.namespace).sort()).toEqual(["team-a", "team-b"]);
      expect(await store.findById("nope")).toEqual([]);
    });

    it("concurrent creates of one (namespace, id) produce exactly one winner", async () => {
      const { store } = newStore();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.create({ id: "race", namespace: "ns", accelerator: `acc-${i}` })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const winner = results.find((r) => r.created)!.job.accelerator;
      for (const r of results) expect(r.job.accelerator).toBe(winner);
    });

    it("moves forward with an event per state and refuses to move backwards", async () => {
      const { store, clock } = newStore();
      await store.create({ id: "j", namespace: "ns", accelerator: "cpu" });
      clock.advance(1000);
      expect(
        (await store.transition({ namespace: "ns", id: "j" }, { to: "SUBMITTED", reason: "Created" })).applied,
      ).toBe(true);
      clock.advance(1000);
      expect((await store.transition({ namespace: "ns", id: "j" }, { to: "RUNNING", reason: "Running" })).applied).toBe(
        true,
      );
      // A late "pending" observation must not undo RUNNING.
      const late = await store.transition({ namespace: "ns", id: "j" }, { to: "PENDING", reason: "Unschedulable" });
      expect(late.applied).toBe(false);
      expect(late.job.state).toBe("RUNNING");
      clock.advance(1000);
      await store.transition({ namespace: "ns", id: "j" }, { to: "SUCCEEDED", reason: "Completed" });
      // Terminal states absorb: a duplicate failure report changes nothing.
      expect((await store.transition({ namespace: "ns", id: "j" }, { to: "FAILED", reason: "Late" })).applied).toBe(
        false,
      );
      const job = (await store.get({ namespace: "ns", id: "j" }))!;
      expect(job.state).toBe("SUCCEEDED");
      expect(job.events.map((e) => e.state)).toEqual(["QUEUED", "SUBMITTED", "RUNNING", "SUCCEEDED"]);
      expect(job.finishedAt).toBe("2026-03-01T00:00:03.000Z");
      expect(job.expireAt?.toISOString()).toBe("2026-03-31T00:00:03.000Z");
    });

    it("racing transitions to different terminal states: exactly one wins and history ends there", async () => {
      const { store } = newStore();
      await store.create({ id: "r", namespace: "ns", accelerator: "cpu" });
      const moves = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "PENDING", "SUCCEEDED"] as const;
      const results = await Promise.all(
        moves.map((to) => store.transition({ namespace: "ns", id: "r" }, { to, reason: `to-${to}` })),
      );
      const job = (await store.get({ namespace: "ns", id: "r" }))!;
      const terminalWins = results.filter(
        (r) => r.applied && ["SUCCEEDED", "FAILED", "CANCELLED"].includes(r.job.state),
      );
      expect(terminalWins).toHaveLength(1);
      expect(job.state).toBe(terminalWins[0]!.job.state);
      expect(job.events.at(-1)?.state).toBe(job.state);
      expect(job.events.filter((e) => ["SUCCEEDED", "FAILED", "CANCELLED"].includes(e.state))).toHaveLength(1);
    });

    it("does not record an event for a same-state refresh, but keeps the new message", async () => {
      const { store } = newStore();
      await store.create({ id: "p", namespace: "ns", accelerator: "cpu" });
      await store.transition(
        { namespace: "ns", id: "p" },
        { to: "PENDING", reason: "Unschedulable", message: "0/3 nodes" },
      );
      const r = await store.transition(
        { namespace: "ns", id: "p" },
        { to: "PENDING", reason: "Unschedulable", message: "0/4 nodes" },
      );
      expect(r.applied).toBe(true);
      expect(r.job.message).toBe("0/4 nodes");
      expect(r.job.events.filter((e) => e.state === "PENDING")).toHaveLength(1);
      expect(
        (
          await store.transition(
            { namespace: "ns", id: "p" },
            { to: "PENDING", reason: "Unschedulable", message: "0/4 nodes" },
          )
        ).applied,
      ).toBe(false);
    });

    it("bounds a transition's message, so a huge API server message still fits the record", async () => {
      const { store } = newStore();
      await store.create({ id: "big-msg", namespace: "ns", accelerator: "cpu" });
      const r = await store.transition(
        { namespace: "ns", id: "big-msg" },
        {
          to: "FAILED",
          reason: "ClusterRejected",
          message: "x".repeat(2_000_000),
        },
      );
      expect(r.job.message!.length).toBeLessThanOrEqual(8192);
      expect(r.job.message).toMatch(/truncated: \d+ more characters/);
      expect((await store.get({ namespace: "ns", id: "big-msg" }))?.message).toBe(r.job.message);
    });

    it("a transition of an unknown job is not-found; a patch of one too", async () => {
      const { store } = newStore();
      await expect(
        store.transition({ namespace: "ns", id: "ghost" }, { to: "RUNNING", reason: "x" }),
      ).rejects.toMatchObject({
        code: "not-found",
        message: "job ghost not found",
      });
      await expect(store.patch({ namespace: "ns", id: "ghost" }, { active: false })).rejects.toMatchObject({
        code: "not-found",
      });
    });

    it("pages through a filtered list newest first with an opaque cursor", async () => {
      const { store, clock } = newStore();
      for (let i = 0; i < 7; i++) {
        clock.advance(1000);
        await store.create({ id: `l${i}`, namespace: i % 2 ? "odd" : "even", accelerator: "cpu" });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ namespace: "even", limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(["l6", "l4", "l2", "l0"]);
      expect((await store.list({ state: "QUEUED", limit: 100 })).jobs).toHaveLength(7);
      expect((await store.list({ namespace: "odd", state: "QUEUED" })).jobs.map((j) => j.id)).toEqual([
        "l5",
        "l3",
        "l1",
      ]);
      expect((await store.list({ limit: 3 })).jobs.map((j) => j.id)).toEqual(["l6", "l5", "l4"]);
      await expect(store.list({ cursor: "garbage" })).rejects.toMatchObject({ code: "invalid-argument" });
    });

    it("filters the list by accelerator, alone and with namespace and state, paging by cursor", async () => {
      const { store, clock } = newStore();
      const accelerators = ["nvidia-l4", "cpu", "tpu-v6e-8"];
      for (let i = 0; i < 12; i++) {
        clock.advance(1000);
        await store.create({
          id: `f${i}`,
          namespace: i % 2 ? "odd" : "even",
          accelerator: accelerators[i % 3]!,
          ...(i % 4 === 0 ? { state: "CANCELLED" as const, reason: "CancelledByUser" } : {}),
        });
      }
      const all = async (filter: Parameters<typeof store.list>[0]) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list({ ...filter, limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.jobs.map((j) => j.id));
          cursor = page.nextCursor;
        } while (cursor);
        return seen;
      };
      // nvidia-l4: f0 f3 f6 f9 (even, odd, even, odd); CANCELLED: f0 f4 f8.
      expect(await all({ accelerator: "nvidia-l4" })).toEqual(["f9", "f6", "f3", "f0"]);
      expect(await all({ accelerator: "nvidia-l4", namespace: "even" })).toEqual(["f6", "f0"]);
      expect(await all({ accelerator: "nvidia-l4", state: "QUEUED" })).toEqual(["f9", "f6", "f3"]);
      expect(await all({ accelerator: "nvidia-l4", state: "CANCELLED", namespace: "even" })).toEqual(["f0"]);
      expect(await all({ accelerator: "cpu", state: "QUEUED", namespace: "odd" })).toEqual(["f7", "f1"]);
      expect(await all({ accelerator: "nvidia-l4:4" })).toEqual([]);
    });

    it("lists only active jobs, least recently updated first, in pages", async () => {
      const { store, clock } = newStore();
      await store.create({ id: "done", namespace: "ns", accelerator: "cpu", state: "REJECTED", reason: "InvalidSpec" });
      for (const id of ["a1", "a2", "a3"]) {
        clock.advance(1000);
        await store.create({ id, namespace: "ns", accelerator: "cpu" });
      }
      clock.advance(1000);
      await store.transition({ namespace: "ns", id: "a1" }, { to: "SUBMITTED", reason: "Created" });
      expect((await store.listActive()).map((j) => j.id)).toEqual(["a2", "a3", "a1"]);
      const first = await store.listActive({ limit: 2 });
      expect((await store.listActive({ limit: 2, startAfter: first.at(-1)! })).map((j) => j.id)).toEqual(["a1"]);
      await store.patch({ namespace: "ns", id: "a2" }, { active: false });
      expect((await store.listActive()).map((j) => j.id)).toEqual(["a3", "a1"]);
    });

    it("a job as listActive read it moves with one write; one changed since is moved by the transaction, never overwritten", async () => {
      const { store, clock } = newStore();
      await store.create({ id: "k1", namespace: "ns", accelerator: "cpu" });
      await store.create({ id: "k2", namespace: "ns", accelerator: "cpu" });
      const [k1, k2] = await store.listActive();
      clock.advance(1000);
      // k2 is cancelled after it was read: the stale copy must not resurrect it.
      await store.transition({ namespace: "ns", id: "k2" }, { to: "CANCELLED", reason: "CancelledByUser" });
      const before = { ...store.stats };
      const r1 = await store.transition(k1!, { to: "SUBMITTED", reason: "Created" });
      expect(r1.applied).toBe(true);
      expect(store.stats.reads - before.reads).toBe(0);
      expect(store.stats.writes - before.writes).toBe(1);
      const r2 = await store.transition(k2!, { to: "SUBMITTED", reason: "Created" });
      expect(r2).toMatchObject({ applied: false, job: { state: "CANCELLED" } });
      expect((await store.get({ namespace: "ns", id: "k1" }))?.events.map((e) => e.state)).toEqual([
        "QUEUED",
        "SUBMITTED",
      ]);
      expect((await store.get({ namespace: "ns", id: "k2" }))?.state).toBe("CANCELLED");
      // The read copy is used once: after its own write, the next move of it takes the transaction.
      const r3 = await store.transition(k1!, { to: "RUNNING", reason: "Running" });
      expect(r3).toMatchObject({ applied: true, job: { state: "RUNNING" } });
      expect((await store.get({ namespace: "ns", id: "k1" }))?.events.map((e) => e.state)).toEqual([
        "QUEUED",
        "SUBMITTED",
        "RUNNING",
      ]);
    });

    it("getMany returns the existing jobs by id", async () => {
      const { store } = newStore();
      await store.create({ id: "g1", namespace: "ns", accelerator: "cpu" });
      await store.create({ id: "g2", namespace: "ns", accelerator: "cpu" });
      const found = await store.getMany([
        { namespace: "ns", id: "g1" },
        { namespace: "ns", id: "missing" },
        { namespace: "ns", id: "g2" },
        { namespace: "ns", id: "g1" },
      ]);
      expect([...found.keys()].sort()).toEqual(["ns:g1", "ns:g2"]);
      expect(found.get(jobKey({ namespace: "ns", id: "g2" }))).toMatchObject({ id: "g2", state: "QUEUED" });
    });

    it("finds finished jobs due for cleanup, by namespace and in pages; reschedules and clears them", async () => {
      const { store } = newStore();
      const due = async (id: string, namespace: string, dueAt: string) => {
        await store.create({ id, namespace, accelerator: "cpu" });
        await store.patch({ namespace, id }, { active: false, cleanupPending: true, cleanupDueAt: dueAt });
      };
      await due("d1", "a", "2026-03-01T01:00:00.000Z");
      await due("d2", "b", "2026-03-01T02:00:00.000Z");
      await due("d3", "a", "2026-03-01T03:00:00.000Z");
      await due("later", "a", "2026-03-02T00:00:00.000Z");
      const now = new Date("2026-03-01T12:00:00Z");
      expect((await store.dueForCleanup({ now, limit: 10 })).map((j) => j.id)).toEqual(["d1", "d2", "d3"]);
      expect((await store.dueForCleanup({ now, namespace: "a", limit: 10 })).map((j) => j.id)).toEqual(["d1", "d3"]);
      const p1 = await store.dueForCleanup({ now, limit: 2 });
      expect((await store.dueForCleanup({ now, limit: 2, startAfter: p1.at(-1)! })).map((j) => j.id)).toEqual(["d3"]);

      expect(await store.rescheduleCleanup({ namespace: "a", id: "d1" }, "2026-03-05T00:00:00.000Z")).toBe(true);
      await store.clearCleanupPending({ namespace: "b", id: "d2" });
      expect((await store.dueForCleanup({ now, limit: 10 })).map((j) => j.id)).toEqual(["d3"]);
      expect((await store.get({ namespace: "b", id: "d2" }))?.cleanupDueAt).toBeUndefined();
      // A cleared job is not rescheduled, and clearing a purged record is not an error.
      expect(await store.rescheduleCleanup({ namespace: "b", id: "d2" }, "2026-03-05T00:00:00.000Z")).toBe(false);
      await store.clearCleanupPending({ namespace: "ns", id: "never-existed" });
    });

    it("one claim to publish a finished event among concurrent claimers; it lapses, is given back, or ends when published", async () => {
      const { store, clock } = newStore();
      await store.create({ id: "f", namespace: "ns", accelerator: "cpu" });
      const now = clock.now();
      const claims = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.claimFinishedEvent({ namespace: "ns", id: "f" }, { now, holdMs: 60_000 }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(
        await store.claimFinishedEvent(
          { namespace: "ns", id: "f" },
          { now: new Date(now.getTime() + 30_000), holdMs: 60_000 },
        ),
      ).toBe(false);
      expect(
        await store.claimFinishedEvent(
          { namespace: "ns", id: "f" },
          { now: new Date(now.getTime() + 61_000), holdMs: 60_000 },
        ),
      ).toBe(true);
      await store.releaseFinishedEventClaim({ namespace: "ns", id: "f" });
      expect(
        await store.claimFinishedEvent(
          { namespace: "ns", id: "f" },
          { now: new Date(now.getTime() + 62_000), holdMs: 60_000 },
        ),
      ).toBe(true);
      await store.patch({ namespace: "ns", id: "f" }, { finishedEventPublished: true });
      expect(
        await store.claimFinishedEvent(
          { namespace: "ns", id: "f" },
          { now: new Date(now.getTime() + 999_000), holdMs: 60_000 },
        ),
      ).toBe(false);
      expect(await store.claimFinishedEvent({ namespace: "ns", id: "missing" }, { now, holdMs: 60_000 })).toBe(false);
    });

    it("finds the jobs waiting on a build: BUILDING with that buildId only, by id, in pages", async () => {
      const { store } = newStore();
      for (const id of ["w3", "w1", "w2", "other", "moved"]) {
        await store.create({ id, namespace: "ns", accelerator: "cpu" });
        await store.transition(
          { namespace: "ns", id },
          { to: "BUILDING", reason: "BuildJoined", patch: { buildId: id === "other" ? "b-2" : "b-1" } },
        );
      }
      await store.transition(
        { namespace: "ns", id: "moved" },
        { from: ["BUILDING"], to: "SUBMITTED", reason: "Created" },
      );
      const first = await store.waitingOnBuild("b-1", { limit: 2 });
      expect(first.map((j) => j.id)).toEqual(["w1", "w2"]);
      const rest = await store.waitingOnBuild("b-1", { limit: 2, startAfter: first[1]! });
      expect(rest.map((j) => j.id)).toEqual(["w3"]);
      expect((await store.waitingOnBuild("b-2")).map((j) => j.id)).toEqual(["other"]);
      expect(await store.waitingOnBuild("b-3")).toEqual([]);
    });

    it("lists expired records and deletes only those unchanged since they were read", async () => {
      const { store, clock } = newStore();
      await store.create({ id: "x1", namespace: "ns", accelerator: "cpu", state: "REJECTED" });
      await store.create({ id: "x2", namespace: "ns", accelerator: "cpu", state: "REJECTED" });
      await store.create({ id: "live", namespace: "ns", accelerator: "cpu" });
      clock.advance(31 * 86_400_000);
      const expired = await store.listExpired(clock.now(), { limit: 10 });
      expect(expired.map((e) => e.record.id)).toEqual(["x1", "x2"]);
      expect(expired[0]!.record.state).toBe("REJECTED");
      await store.patch({ namespace: "ns", id: "x2" }, { message: "touched" });
      const outcomes = await store.deleteIfUnchanged(expired);
      expect(outcomes.map((o) => o.outcome)).toEqual(["deleted", "changed"]);
      expect(await store.get({ namespace: "ns", id: "x1" })).toBeUndefined();
      expect(await store.get({ namespace: "ns", id: "x2" })).toBeDefined();
      expect((await store.listExpired(clock.now(), { limit: 1, after: expired[0]! })).map((e) => e.record.id)).toEqual([
        "x2",
      ]);
    });
  });
}
