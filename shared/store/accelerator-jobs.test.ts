// The utilization queries on the memory backend: jobs by state, and the low streak flipped once among racers.
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { memoryStores } from "../stores.ts";

describe("DocAcceleratorJobStore", () => {
  it("lists jobs by state, a page at a time", async () => {
    const s = memoryStores({ clock: new ManualClock() });
    for (const id of ["a", "b", "c"]) {
      const { job } = await s.store.create({ id, namespace: "ns", accelerator: "nvidia-l4" });
      await s.store.transition(job, { to: id === "c" ? "PENDING" : "RUNNING", reason: "test" });
    }
    const first = await s.acceleratorJobs.listInState("RUNNING", { limit: 1 });
    const second = await s.acceleratorJobs.listInState("RUNNING", { limit: 1, startAfter: first[0]! });
    expect([...first, ...second].map((j) => j.id)).toEqual(["a", "b"]);
    expect((await s.acceleratorJobs.listInState("PENDING", { limit: 10 })).map((j) => j.id)).toEqual(["c"]);
  });

  it("flips a running job's streak once among concurrent runs, with one event, and never a finished job's", async () => {
    const s = memoryStores({ clock: new ManualClock() });
    const { job } = await s.store.create({ id: "j", namespace: "ns", accelerator: "nvidia-l4" });
    await s.store.transition(job, { to: "RUNNING", reason: "Running" });
    const event = { at: "2026-01-01T00:10:00.000Z", state: "RUNNING" as const, reason: "UtilizationLow" };
    const flips = await Promise.all(
      Array.from({ length: 5 }, () => s.acceleratorJobs.flipStreak(job, { lowSince: "2026-01-01T00:00:00Z", event })),
    );
    expect(flips.filter(Boolean)).toHaveLength(1);
    const low = (await s.store.get(job))!;
    expect(low.lowUtilizationSince).toBe("2026-01-01T00:00:00Z");
    expect(low.events.filter((e) => e.reason === "UtilizationLow")).toHaveLength(1);

    await s.store.transition(job, { to: "SUCCEEDED", reason: "Completed" });
    expect(await s.acceleratorJobs.flipStreak(job, { lowSince: null, event })).toBe(false);
  });
});
