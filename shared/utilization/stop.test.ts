// Stopping a job is claimed in the store first: of concurrent stoppers exactly one stops it and publishes its end.
import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { memoryDeps } from "../testing.ts";
import { utilizationDeps } from "./deps.ts";
import { runUtilizationCheck } from "./run.ts";
import { stopJob } from "./stop.ts";

describe("stopJob", () => {
  it("stops a running job once among ten concurrent stoppers, deleting its workload and publishing one event", async () => {
    const deps = memoryDeps();
    const { job } = await deps.store.create({ id: "j1", namespace: "ns", accelerator: "nvidia-l4" });
    const workload = { kind: "Job" as const, name: "kjob-j1", namespace: "ns" };
    await deps.store.transition(job, { to: "RUNNING", reason: "Running", patch: { workload } });
    const running = (await deps.store.get(job))!;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stopJob(deps, running, i % 2 ? "Preempted" : "Underutilized", `stopper ${i}`),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const stopped = (await deps.store.get(job))!;
    expect(stopped).toMatchObject({ state: "FAILED", active: false, stopPending: false, finishedEventPublished: true });
    expect(deps.bus.messages.filter((m) => m.topic === "jobEvents")).toHaveLength(1);
  });

  it("leaves a finished job alone", async () => {
    const deps = memoryDeps();
    const { job } = await deps.store.create({ id: "j2", namespace: "ns", accelerator: "nvidia-l4" });
    await deps.store.transition(job, { to: "SUCCEEDED", reason: "Completed" });
    expect(await stopJob(deps, (await deps.store.get(job))!, "Underutilized", "idle")).toBe(false);
    expect((await deps.store.get(job))!.state).toBe("SUCCEEDED");
  });
});

describe("a stop whose workload delete failed", () => {
  it("is FAILED at once, and the next run deletes the workload and publishes the end once", async () => {
    const deps = memoryDeps({ namespaces: ["*"] });
    const { job } = await deps.store.create({ id: "j3", namespace: "ns", accelerator: "nvidia-l4" });
    const workload = { kind: "Job" as const, name: "kjob-j3", namespace: "ns" };
    await deps.store.transition(job, { to: "RUNNING", reason: "Running", patch: { workload } });
    const realDelete = deps.cluster.delete.bind(deps.cluster);
    let failures = 1;
    const deletes: string[] = [];
    deps.cluster.delete = async (ref) => {
      deletes.push(ref.name);
      if (failures-- > 0) throw new KineticError("cluster-unavailable", "delete Job: 503 (injected)");
      return realDelete(ref);
    };
    await expect(stopJob(deps, (await deps.store.get(job))!, "Underutilized", "idle")).rejects.toThrow(/503/);
    expect((await deps.store.get(job))!).toMatchObject({ state: "FAILED", reason: "Underutilized", stopPending: true });
    expect(deps.bus.messages).toHaveLength(0);

    const env = { enabled: false, pollingInterval: "1m", pollingIntervalMs: 60_000 };
    const run = await runUtilizationCheck(utilizationDeps(deps, { env }), { runId: "r1" });
    expect(run).toMatchObject({ status: "completed", counts: { errors: 0 } });
    expect(deletes).toEqual(["kjob-j3", "kjob-j3"]);
    expect((await deps.store.get(job))!).toMatchObject({ stopPending: false, active: false });
    expect(deps.bus.messages.filter((m) => m.topic === "jobEvents")).toHaveLength(1);
  });
});

describe("runUtilizationCheck", () => {
  it("skips while another run holds the lease, and repeats nothing for a tick that already ran", async () => {
    const deps = memoryDeps({ namespaces: ["*"] });
    const env = { enabled: false, pollingInterval: "1m", pollingIntervalMs: 60_000 };
    const held = await deps.leases.acquire("checkUtilization", "other", { ttlMs: 60_000 });
    expect(held.acquired).toBe(true);
    const skipped = await runUtilizationCheck(utilizationDeps(deps, { env }), { runId: "tick-1" });
    expect(skipped).toMatchObject({ status: "skipped", message: expect.stringContaining("other") });
    if (held.acquired) await held.lease.release();
    const done = await runUtilizationCheck(utilizationDeps(deps, { env }), { runId: "tick-1" });
    expect(done.status).toBe("completed");
    expect(await runUtilizationCheck(utilizationDeps(deps, { env }), { runId: "tick-1" })).toEqual(done);
  });
});
