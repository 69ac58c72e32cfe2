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
  return (await deps.store.get({ namespace: "ns", id }))!.workload!;
}

describe("cancelJob", () => {
  it("records CANCELLED with who cancelled, and deletes the workload", async () => {
    const deps = memoryDeps();
    await submitted(deps, "c");
    const job = await cancelJob(deps, { namespace: "ns", id: "c" }, "alice");
    expect(job).toMatchObject({ state: "CANCELLED", reason: "CancelledByUser", message: "cancelled by alice" });
    expect(deps.cluster.objects.size).toBe(0);
    // The next sync publishes the finished event and does not report the deleted workload as a failure.
    await syncJobs(deps);
    expect(await deps.store.get({ namespace: "ns", id: "c" })).toMatchObject({ state: "CANCELLED", active: false });
    expect(deps.bus.messages.map((m) => (m.data as { state: string }).state)).toEqual(["CANCELLED"]);
  });

  it("a finished job is returned as it is and its workload kept", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "done");
    deps.cluster.setStatus(ref, { phase: "Succeeded" });
    await syncJobs(deps);
    const job = await cancelJob(deps, { namespace: "ns", id: "done" }, "alice");
    expect(job.state).toBe("SUCCEEDED");
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("concurrent cancels and a finishing sync end in one terminal state with one terminal event", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "race");
    deps.cluster.setStatus(ref, { phase: "Succeeded" });
    await Promise.all([
      cancelJob(deps, { namespace: "ns", id: "race" }, "a"),
      cancelJob(deps, { namespace: "ns", id: "race" }, "b"),
      syncJobs(deps),
    ]);
    const job = (await deps.store.get({ namespace: "ns", id: "race" }))!;
    expect(["CANCELLED", "SUCCEEDED"]).toContain(job.state);
    expect(job.events.filter((e) => e.state === "CANCELLED" || e.state === "SUCCEEDED")).toHaveLength(1);
  });

  it("a cancel that names its namespace and overtakes its submission leaves a tombstone: the late submission never runs", async () => {
    const deps = memoryDeps();
    const stone = await cancelJob(deps, { namespace: "ns", id: "early" }, "alice");
    expect(stone).toMatchObject({ state: "CANCELLED", reason: "CancelledBeforeSubmit", namespace: "ns" });
    const late = await submitJob(deps, {
      spec: { id: "early", namespace: "ns", image: "python:3.12" },
      principal: "pubsub",
      source: "pubsub:late",
    });
    expect(late).toMatchObject({ status: "duplicate", job: { state: "CANCELLED" } });
    expect(deps.cluster.submits).toBe(0);
  });

  it("a cancel in another namespace is another job's: the job with that id elsewhere keeps running", async () => {
    const deps = memoryDeps({ namespaces: ["ns", "other"] });
    await submitted(deps, "mine");
    const stone = await cancelJob(deps, { namespace: "other", id: "mine" }, "bob");
    expect(stone).toMatchObject({ namespace: "other", state: "CANCELLED", reason: "CancelledBeforeSubmit" });
    expect((await deps.store.get({ namespace: "ns", id: "mine" }))?.state).toBe("SUBMITTED");
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("cancels racing their submissions: every job ends CANCELLED with nothing left on the cluster", async () => {
    const deps = memoryDeps();
    const ids = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    await Promise.all(
      ids.flatMap((id, i) => {
        const submit = submitJob(deps, {
          spec: { id, namespace: "ns", image: "python:3.12" },
          principal: "pubsub",
          source: `pubsub:${id}`,
        });
        const cancel = cancelJob(deps, { namespace: "ns", id }, "alice");
        return i % 2 ? [submit, cancel] : [cancel, submit];
      }),
    );
    for (const id of ids) expect((await deps.store.get({ namespace: "ns", id }))?.state, id).toBe("CANCELLED");
    expect([...deps.cluster.objects.keys()]).toEqual([]);
  });
});
