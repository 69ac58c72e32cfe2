/** cancelJob on the in-memory store and the fake cluster: CANCELLED first, then the workload goes. */
import { describe, expect, it } from "vitest";
import { memoryDeps, type MemoryDeps } from "../testing.ts";
import { cancelJob } from "./cancel.ts";
import { submitJob } from "./submit.ts";
import { syncJobs } from "./sync.ts";

async function submitted(deps: MemoryDeps, id: string) {
  await submitJob(deps, {
    spec: { id, namespace: "ns", image: "python:3.12" },
    principal: "pubsub",
    source: "pubsub:x",
  });
  return (await deps.store.get(id))!.workload!;
}

describe("cancelJob", () => {
  it("records CANCELLED with who cancelled, and deletes the workload", async () => {
    const deps = memoryDeps();
    await submitted(deps, "c");
    const job = await cancelJob(deps, "c", "alice");
    expect(job).toMatchObject({ state: "CANCELLED", reason: "CancelledByUser", message: "cancelled by alice" });
    expect(deps.cluster.objects.size).toBe(0);
    // The next sync publishes the finished event and does not report the deleted workload as a failure.
    await syncJobs(deps);
    expect(await deps.store.get("c")).toMatchObject({ state: "CANCELLED", active: false });
    expect(deps.bus.messages.map((m) => (m.data as { state: string }).state)).toEqual(["CANCELLED"]);
  });

  it("a finished job is returned as it is and its workload kept", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "done");
    deps.cluster.setStatus(ref, { phase: "Succeeded" });
    await syncJobs(deps);
    const job = await cancelJob(deps, "done", "alice");
    expect(job.state).toBe("SUCCEEDED");
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("an unknown job is not-found", async () => {
    await expect(cancelJob(memoryDeps(), "nope", "alice")).rejects.toMatchObject({ code: "not-found" });
  });

  it("concurrent cancels and a finishing sync end in one terminal state with one terminal event", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "race");
    deps.cluster.setStatus(ref, { phase: "Succeeded" });
    await Promise.all([cancelJob(deps, "race", "a"), cancelJob(deps, "race", "b"), syncJobs(deps)]);
    const job = (await deps.store.get("race"))!;
    expect(["CANCELLED", "SUCCEEDED"]).toContain(job.state);
    expect(job.events.filter((e) => e.state === "CANCELLED" || e.state === "SUCCEEDED")).toHaveLength(1);
  });
});
