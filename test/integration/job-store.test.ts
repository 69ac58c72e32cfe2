/** The job store against the real Firestore emulator: idempotent create, monotonic transitions, paging. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import { JobStore } from "../../shared/store/job-store.ts";
import { testFirestore } from "./support.ts";

function newStore() {
  const clock = new ManualClock("2026-03-01T00:00:00Z");
  return { clock, store: new JobStore(testFirestore("store"), { clock }) };
}

describe("JobStore on the Firestore emulator", () => {
  it("creates a job once; a second create returns the first", async () => {
    const { store } = newStore();
    const a = await store.create({ id: "job-a", namespace: "ns", accelerator: "nvidia-l4" });
    const b = await store.create({ id: "job-a", namespace: "other", accelerator: "tpu-v6e-8" });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job).toMatchObject({ id: "job-a", namespace: "ns", accelerator: "nvidia-l4", state: "QUEUED" });
  });

  it("concurrent creates of one id produce exactly one winner", async () => {
    const { store } = newStore();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.create({ id: "race", namespace: `ns${i}`, accelerator: "cpu" })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.job.namespace;
    for (const r of results) expect(r.job.namespace).toBe(winner);
  });

  it("moves forward with an event per state and refuses to move backwards", async () => {
    const { store, clock } = newStore();
    await store.create({ id: "j", namespace: "ns", accelerator: "cpu" });
    clock.advance(1000);
    expect((await store.transition("j", { to: "SUBMITTED", reason: "Created" })).applied).toBe(true);
    clock.advance(1000);
    expect((await store.transition("j", { to: "RUNNING", reason: "Running" })).applied).toBe(true);
    // A late "pending" observation must not undo RUNNING.
    const late = await store.transition("j", { to: "PENDING", reason: "Unschedulable" });
    expect(late.applied).toBe(false);
    expect(late.job.state).toBe("RUNNING");
    clock.advance(1000);
    await store.transition("j", { to: "SUCCEEDED", reason: "Completed" });
    // Terminal states absorb: a duplicate failure report changes nothing.
    expect((await store.transition("j", { to: "FAILED", reason: "Late" })).applied).toBe(false);
    const job = (await store.get("j"))!;
    expect(job.state).toBe("SUCCEEDED");
    expect(job.events.map((e) => e.state)).toEqual(["QUEUED", "SUBMITTED", "RUNNING", "SUCCEEDED"]);
    expect(job.finishedAt).toBe("2026-03-01T00:00:03.000Z");
    expect(job.expireAt?.toDate().toISOString()).toBe("2026-03-31T00:00:03.000Z");
  });

  it("applies racing transitions in one order without losing either", async () => {
    const { store } = newStore();
    await store.create({ id: "r", namespace: "ns", accelerator: "cpu" });
    const [a, b] = await Promise.all([
      store.transition("r", { to: "RUNNING", reason: "Running" }),
      store.transition("r", { to: "SUCCEEDED", reason: "Completed" }),
    ]);
    const job = (await store.get("r"))!;
    expect(job.state).toBe("SUCCEEDED");
    expect(a.applied || b.applied).toBe(true);
    // Whatever the order, history never shows SUCCEEDED followed by another state.
    expect(job.events.at(-1)?.state).toBe("SUCCEEDED");
  });

  it("does not record an event for a same-state refresh, but keeps the new message", async () => {
    const { store } = newStore();
    await store.create({ id: "p", namespace: "ns", accelerator: "cpu" });
    await store.transition("p", { to: "PENDING", reason: "Unschedulable", message: "0/3 nodes" });
    const r = await store.transition("p", { to: "PENDING", reason: "Unschedulable", message: "0/4 nodes" });
    expect(r.applied).toBe(true);
    expect(r.job.message).toBe("0/4 nodes");
    expect(r.job.events.filter((e) => e.state === "PENDING")).toHaveLength(1);
    expect(
      (await store.transition("p", { to: "PENDING", reason: "Unschedulable", message: "0/4 nodes" })).applied,
    ).toBe(false);
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
    await expect(store.list({ cursor: "garbage" })).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("lists only active jobs, least recently updated first", async () => {
    const { store, clock } = newStore();
    await store.create({ id: "done", namespace: "ns", accelerator: "cpu", state: "REJECTED", reason: "InvalidSpec" });
    clock.advance(1000);
    await store.create({ id: "a1", namespace: "ns", accelerator: "cpu" });
    clock.advance(1000);
    await store.create({ id: "a2", namespace: "ns", accelerator: "cpu" });
    clock.advance(1000);
    await store.transition("a1", { to: "SUBMITTED", reason: "Created" });
    expect((await store.listActive()).map((j) => j.id)).toEqual(["a2", "a1"]);
    await store.patch("a2", { active: false });
    expect((await store.listActive()).map((j) => j.id)).toEqual(["a1"]);
  });
});
