/**
 * syncJobs on the in-memory store and the fake cluster: each workload phase
 * moves the record the way a user reads it (state, reason, message, exit
 * code, times), pending timeouts fail and delete, stalled submissions are
 * finished, the finished event is published and the job leaves the active set.
 */
import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import type { WorkloadStatus } from "../cluster/types.ts";
import { memoryDeps, type MemoryDeps } from "../testing.ts";
import { submitJob } from "./submit.ts";
import { lazyCluster } from "../cluster/lazy.ts";
import type { MemoryCluster } from "../cluster/memory-cluster.ts";
import { syncJobs } from "./sync.ts";
import { cancelJob } from "./cancel.ts";

const SPEC = { namespace: "ns", image: "python:3.12", command: ["python", "train.py"] };

async function submitted(deps: MemoryDeps, id: string, extra: Record<string, unknown> = {}) {
  await submitJob(deps, { spec: { ...SPEC, id, ...extra }, principal: "pubsub", source: "pubsub:x" });
  const job = (await deps.store.get({ namespace: "ns", id }))!;
  expect(job.state).toBe("SUBMITTED");
  return job.workload!;
}

async function syncWith(deps: MemoryDeps, id: string, status: WorkloadStatus) {
  deps.cluster.setStatus((await deps.store.get({ namespace: "ns", id }))!.workload!, status);
  const summary = await syncJobs(deps);
  return { summary, job: (await deps.store.get({ namespace: "ns", id }))! };
}

describe("syncJobs", () => {
  it("records RUNNING with the start time and a pod summary", async () => {
    const deps = memoryDeps();
    await submitted(deps, "r");
    const { job, summary } = await syncWith(deps, "r", {
      phase: "Running",
      startedAt: "2026-03-01T00:00:05.000Z",
      pods: { pending: 0, running: 1, succeeded: 0, failed: 0 },
    });
    expect(job).toMatchObject({ state: "RUNNING", startedAt: "2026-03-01T00:00:05.000Z", active: true });
    expect(job.message).toBe("1 running, 0 succeeded, 0 failed, 0 pending");
    expect(summary).toMatchObject({ scanned: 1, changed: 1, finished: 0, errors: 0 });
  });

  it("a success is recorded once, published once, and the job leaves the active set with its cleanup due after the TTL", async () => {
    const deps = memoryDeps();
    await submitted(deps, "ok", { ttlSecondsAfterFinished: 3600 });
    const { job } = await syncWith(deps, "ok", {
      phase: "Succeeded",
      startedAt: "2026-03-01T00:00:01.000Z",
      finishedAt: "2026-03-01T00:10:00.000Z",
    });
    expect(job).toMatchObject({
      state: "SUCCEEDED",
      finishedAt: "2026-03-01T00:10:00.000Z",
      active: false,
      finishedEventPublished: true,
      cleanupPending: true,
      cleanupDueAt: "2026-03-01T01:10:00.000Z",
    });
    expect(deps.bus.messages).toEqual([
      {
        topic: "jobEvents",
        data: {
          type: "job.finished",
          eventId: "ns:ok:finished",
          namespace: "ns",
          jobId: "ok",
          state: "SUCCEEDED",
          reason: "Completed",
          finishedAt: job.finishedAt,
        },
        attributes: { jobId: "ok", namespace: "ns", state: "SUCCEEDED", eventId: "ns:ok:finished" },
      },
    ]);
    // The next run does not see it at all (O(active)), so nothing is published again.
    expect((await syncJobs(deps)).scanned).toBe(0);
    expect(deps.bus.messages).toHaveLength(1);
  });

  it("a failure keeps the exit code, reason and message; forceCleanup makes it due at once", async () => {
    const deps = memoryDeps();
    await submitted(deps, "bad", { forceCleanup: true });
    const { job } = await syncWith(deps, "bad", {
      phase: "Failed",
      reason: "PodFailurePolicy",
      message: "container train exited with 3",
      exitCode: 3,
      finishedAt: "2026-03-01T00:01:00.000Z",
    });
    expect(job).toMatchObject({
      state: "FAILED",
      reason: "PodFailurePolicy",
      message: "container train exited with 3",
      exitCode: 3,
      cleanupDueAt: "2026-03-01T00:01:00.000Z",
    });
    expect(deps.bus.messages[0]?.data).toMatchObject({ state: "FAILED", exitCode: 3 });
  });

  it("a workload deleted outside Kinetic fails the job (WorkloadMissing)", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "gone");
    await deps.cluster.delete(ref);
    await syncJobs(deps);
    expect(await deps.store.get({ namespace: "ns", id: "gone" })).toMatchObject({
      state: "FAILED",
      reason: "WorkloadMissing",
    });
  });

  it("unschedulable: PENDING with the scheduler's message, then failed and deleted after the limit", async () => {
    const deps = memoryDeps({ config: { unschedulableTimeoutSeconds: 600 } });
    const ref = await submitted(deps, "big");
    const pending: WorkloadStatus = {
      phase: "Pending",
      pending: { kind: "Unschedulable", reason: "Unschedulable", message: "0/12 nodes: Insufficient nvidia.com/gpu" },
    };
    const first = await syncWith(deps, "big", pending);
    expect(first.job).toMatchObject({
      state: "PENDING",
      reason: "Unschedulable",
      message: "0/12 nodes: Insufficient nvidia.com/gpu",
      pendingKind: "Unschedulable",
      pendingSince: "2026-03-01T00:00:00.000Z",
    });
    deps.clock.advance(300_000);
    expect((await syncWith(deps, "big", pending)).job.state).toBe("PENDING");
    deps.clock.advance(301_000);
    const { job } = await syncWith(deps, "big", pending);
    expect(job).toMatchObject({ state: "FAILED", reason: "UnschedulableTimeout" });
    expect(job.message).toContain("over the 600 s limit");
    expect(deps.cluster.objects.has(`${ref.kind}/${ref.namespace}/${ref.name}`)).toBe(false);
  });

  it("the pending clock restarts when the kind of waiting changes (queued, then unschedulable)", async () => {
    const deps = memoryDeps({ config: { queueTimeoutSeconds: 100, unschedulableTimeoutSeconds: 100 } });
    await submitted(deps, "q");
    await syncWith(deps, "q", { phase: "Pending", pending: { kind: "Queued", reason: "Queued", message: "quota" } });
    deps.clock.advance(90_000);
    const un = { phase: "Pending" as const, pending: { kind: "Unschedulable" as const, reason: "U", message: "m" } };
    expect((await syncWith(deps, "q", un)).job.pendingSince).toBe("2026-03-01T00:01:30.000Z");
    deps.clock.advance(90_000);
    expect((await syncWith(deps, "q", un)).job.state).toBe("PENDING");
    deps.clock.advance(20_000);
    expect((await syncWith(deps, "q", un)).job.reason).toBe("UnschedulableTimeout");
  });

  it("a queue wait past its limit fails as QueueTimeout", async () => {
    const deps = memoryDeps({ config: { queueTimeoutSeconds: 60 } });
    await submitted(deps, "wait");
    const queued = {
      phase: "Pending" as const,
      pending: { kind: "Queued" as const, reason: "Q", message: "no quota" },
    };
    await syncWith(deps, "wait", queued);
    deps.clock.advance(61_000);
    expect((await syncWith(deps, "wait", queued)).job).toMatchObject({ state: "FAILED", reason: "QueueTimeout" });
  });

  it("a late Pending observation never moves a RUNNING job back", async () => {
    const deps = memoryDeps();
    await submitted(deps, "run");
    await syncWith(deps, "run", { phase: "Running" });
    const { job } = await syncWith(deps, "run", {
      phase: "Pending",
      pending: { kind: "Starting", reason: "ContainerCreating", message: "" },
    });
    expect(job.state).toBe("RUNNING");
    expect(job.events.map((e) => e.state)).toEqual(["QUEUED", "SUBMITTED", "RUNNING"]);
  });

  it("finishes a submission whose cluster create failed, once it is older than the resubmit delay", async () => {
    const deps = memoryDeps({ config: { resubmitAfterSeconds: 60 } });
    for (let i = 0; i < 3; i++) deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "down"));
    await expect(
      submitJob(deps, { spec: { ...SPEC, id: "stuck" }, principal: "pubsub", source: "pubsub:x" }),
    ).rejects.toThrow();
    expect((await syncJobs(deps)).resubmitted).toBe(0);
    expect((await deps.store.get({ namespace: "ns", id: "stuck" }))?.state).toBe("QUEUED");
    deps.clock.advance(61_000);
    expect((await syncJobs(deps)).resubmitted).toBe(1);
    expect((await deps.store.get({ namespace: "ns", id: "stuck" }))?.state).toBe("SUBMITTED");
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("publishes the event of a job that became terminal without it (a crash between commit and publish)", async () => {
    const deps = memoryDeps();
    await submitted(deps, "crashed");
    await deps.store.transition({ namespace: "ns", id: "crashed" }, { to: "CANCELLED", reason: "CancelledByUser" });
    const summary = await syncJobs(deps);
    expect(summary.finished).toBe(1);
    expect(deps.bus.messages.map((m) => (m.data as { jobId: string }).jobId)).toEqual(["crashed"]);
    expect((await deps.store.get({ namespace: "ns", id: "crashed" }))?.active).toBe(false);
  });

  it("concurrent syncs publish each job's finished event once", async () => {
    const deps = memoryDeps();
    for (let i = 0; i < 6; i++) {
      const ref = await submitted(deps, `c${i}`);
      deps.cluster.setStatus(ref, { phase: i % 2 ? "Failed" : "Succeeded", exitCode: 1 });
    }
    // A publish takes a network round trip: long enough for another sync to see the job still unpublished.
    const publish = deps.bus.publish.bind(deps.bus);
    deps.bus.publish = async (...args) => {
      await new Promise((r) => setTimeout(r, 5));
      return publish(...args);
    };
    await Promise.all(Array.from({ length: 4 }, () => syncJobs(deps, { pageSize: 2 })));
    const ids = deps.bus.messages.map((m) => (m.data as { jobId: string }).jobId).sort();
    expect(ids).toEqual(["c0", "c1", "c2", "c3", "c4", "c5"]);
    for (let i = 0; i < 6; i++) expect((await deps.store.get({ namespace: "ns", id: `c${i}` }))?.active).toBe(false);
  });

  it("a publisher that died holding the claim is taken over once the claim lapses", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "orphaned");
    deps.cluster.setStatus(ref, { phase: "Succeeded" });
    // The process dies after claiming, before publishing: nothing gives the claim back.
    const claim = deps.store.claimFinishedEvent.bind(deps.store);
    deps.store.claimFinishedEvent = async (...args) => {
      await claim(...args);
      throw new Error("process killed after its claim");
    };
    expect((await syncJobs(deps)).errors).toBe(1);
    deps.store.claimFinishedEvent = claim;
    await syncJobs(deps);
    expect(deps.bus.messages).toHaveLength(0); // the dead publisher's claim still holds
    deps.clock.advance(3 * 60_000);
    await syncJobs(deps);
    expect(deps.bus.messages.map((m) => m.attributes.eventId)).toEqual(["ns:orphaned:finished"]);
    expect((await deps.store.get({ namespace: "ns", id: "orphaned" }))?.active).toBe(false);
  });

  it("a publish that fails gives its claim back: the next run publishes at once", async () => {
    const deps = memoryDeps();
    const ref = await submitted(deps, "flaky-bus");
    deps.cluster.setStatus(ref, { phase: "Succeeded" });
    const publish = deps.bus.publish.bind(deps.bus);
    deps.bus.publish = () => Promise.reject(new KineticError("unavailable", "Pub/Sub unavailable"));
    expect((await syncJobs(deps)).errors).toBe(1);
    deps.bus.publish = publish;
    await syncJobs(deps);
    expect(deps.bus.messages.map((m) => m.attributes.eventId)).toEqual(["ns:flaky-bus:finished"]);
  });

  it("a failed cluster read is counted per job and logged; the next run syncs them", async () => {
    const deps = memoryDeps();
    await submitted(deps, "a");
    await submitted(deps, "b");
    deps.cluster.failNext("status", new KineticError("cluster-unavailable", "blip"));
    expect(await syncJobs(deps)).toMatchObject({ scanned: 2, errors: 2, changed: 0 });
    expect(deps.logs.some((l) => l.message === "sync failed for job; next run retries")).toBe(true);
    expect(await syncJobs(deps)).toMatchObject({ scanned: 2, errors: 0, changed: 2 });
  });

  it("one bulk cluster read per run, and no store write for a job that did not change", async () => {
    const deps = memoryDeps();
    for (let i = 0; i < 30; i++) await submitted(deps, `s${i}`);
    expect(await syncJobs(deps)).toMatchObject({ scanned: 30, changed: 30 });
    expect(deps.cluster.statusLists).toBe(1);
    const writes = deps.docs.stats.writes;
    const reads = deps.docs.stats.reads;
    expect(await syncJobs(deps)).toMatchObject({ scanned: 30, changed: 0, errors: 0 });
    expect(deps.cluster.statusLists).toBe(2);
    // The second run only read the active set: 30 documents, no transaction, no write.
    expect(deps.docs.stats.writes - writes).toBe(0);
    expect(deps.docs.stats.reads - reads).toBe(30);
  });

  it("through a forwarding client over a backend without bulk reads, reads one workload at a time", async () => {
    const deps = memoryDeps();
    for (let i = 0; i < 3; i++) await submitted(deps, `f${i}`);
    const memory = deps.cluster;
    const noBulk = Object.assign(Object.create(memory) as MemoryCluster, { statusMany: undefined });
    const summary = await syncJobs({ ...deps, cluster: lazyCluster(async () => noBulk) });
    expect(summary).toMatchObject({ scanned: 3, changed: 3, errors: 0 });
    expect(memory.statusLists).toBe(0);
  });

  it("pages through every active job", async () => {
    const deps = memoryDeps();
    for (let i = 0; i < 5; i++) await submitted(deps, `p${i}`);
    const summary = await syncJobs(deps, { pageSize: 2 });
    expect(summary).toMatchObject({ scanned: 5, changed: 5, errors: 0 });
    for (let i = 0; i < 5; i++) expect((await deps.store.get({ namespace: "ns", id: `p${i}` }))?.state).toBe("RUNNING");
  });

  it("a create that lands after the cancel, from a delivery that then died, is deleted by the next sync", async () => {
    const deps = memoryDeps();
    const realSubmit = deps.cluster.submit.bind(deps.cluster);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let calls = 0;
    // Copy A's create waits, then lands on the server, and its process dies (the call never returns).
    deps.cluster.submit = async (w) => {
      if (calls++ > 0) return realSubmit(w);
      await gate;
      await realSubmit(w);
      return new Promise<never>(() => undefined);
    };
    const msg = { spec: { ...SPEC, id: "late" }, principal: "pubsub", source: "pubsub:m1" };
    void submitJob(deps, msg); // copy A
    await new Promise((r) => setTimeout(r, 10));
    await cancelJob(deps, { namespace: "ns", id: "late" }, "alice"); // QUEUED, no workload yet: nothing to delete
    expect((await submitJob(deps, msg)).status).toBe("duplicate"); // copy B: acks
    open();
    await new Promise((r) => setTimeout(r, 10));
    expect(deps.cluster.objects.size).toBe(1);
    await syncJobs(deps);
    expect(deps.cluster.objects.size).toBe(0);
    expect(await deps.store.get({ namespace: "ns", id: "late" })).toMatchObject({ state: "CANCELLED", active: false });
  });
});
