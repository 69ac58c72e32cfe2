/**
 * Resume after a disruption, on the in-memory store and cluster: a disrupted attempt starts the next one with
 * the same checkpoint dir and a truthful KINETIC_ATTEMPT, the program's own failure is never retried, the limit
 * holds, and racing or late syncs never create a second attempt nor rewind the record.
 */
import { describe, expect, it } from "vitest";
import type { WorkloadStatus } from "../cluster/types.ts";
import { KineticError } from "../errors.ts";
import { memoryDeps, type MemoryDeps } from "../testing.ts";
import { submitJob } from "./submit.ts";
import { syncJobs } from "./sync.ts";
import { cancelJob } from "./cancel.ts";
import { resumeAfterDisruption } from "./resume.ts";

const SPEC = { namespace: "ns", image: "python:3.12", command: ["python", "train.py"], spot: true };
const KEY = (id: string) => ({ namespace: "ns", id });
const DISRUPTED: WorkloadStatus = {
  phase: "Failed",
  reason: "BackoffLimitExceeded",
  message: "Job has reached the specified backoff limit",
  finishedAt: "2026-03-01T00:05:00.000Z",
};

async function submitted(deps: MemoryDeps, id: string, extra: Record<string, unknown> = {}) {
  await submitJob(deps, { spec: { ...SPEC, id, ...extra }, principal: "pubsub", source: "pubsub:x" });
  return (await deps.store.get(KEY(id)))!;
}

async function syncWith(deps: MemoryDeps, id: string, status: WorkloadStatus) {
  deps.cluster.setStatus((await deps.store.get(KEY(id)))!.workload!, status);
  await syncJobs(deps);
  return (await deps.store.get(KEY(id)))!;
}

function envOf(deps: MemoryDeps, name: string): Record<string, string> {
  const w = [...deps.cluster.submitted.values()].find((x) => x.metadata.name === name)!;
  const c = (w.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } })
    .template.spec.containers[0]!;
  return Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

describe("resume after a disruption", () => {
  it("a disrupted attempt resumes as attempt 2 with the same checkpoint dir, then SUCCEEDED with 2 attempts", async () => {
    const deps = memoryDeps();
    const first = await submitted(deps, "spot");
    expect(first.attempts).toHaveLength(1);
    await syncWith(deps, "spot", { phase: "Running", startedAt: "2026-03-01T00:00:10.000Z" });
    const resumed = await syncWith(deps, "spot", DISRUPTED);
    expect(resumed).toMatchObject({ state: "RUNNING", reason: "Resuming", attempt: 2 });
    expect(resumed.workload!.name).not.toBe(first.workload!.name);
    expect(resumed.attempts![0]).toMatchObject({ attempt: 1, outcome: "Disrupted", reason: "BackoffLimitExceeded" });
    // The disrupted attempt's workload is gone; the new one is the only one left.
    expect(deps.cluster.objects.has(`Job/ns/${first.workload!.name}`)).toBe(false);
    const before = envOf(deps, first.workload!.name);
    const after = envOf(deps, resumed.workload!.name);
    expect(after.KINETIC_ATTEMPT).toBe("2");
    expect(before.KINETIC_ATTEMPT).toBe("1");
    expect(after.KINETIC_CHECKPOINT_DIR).toBe(before.KINETIC_CHECKPOINT_DIR);
    expect(after.KINETIC_CHECKPOINT_DIR).toBe("/tmp/kinetic-output/ns/spot/checkpoints/");

    const done = await syncWith(deps, "spot", { phase: "Succeeded", finishedAt: "2026-03-01T00:20:00.000Z" });
    expect(done.state).toBe("SUCCEEDED");
    expect(done.attempts!.map((a) => a.outcome)).toEqual(["Disrupted", "Succeeded"]);
  });

  it("the program's own exit fails the job after one attempt: never retried", async () => {
    const deps = memoryDeps();
    await submitted(deps, "exit1");
    const job = await syncWith(deps, "exit1", {
      phase: "Failed",
      reason: "PodFailurePolicy",
      message: "Container main for pod ns/exit1-x failed with exit code 1 matching FailJob rule at index 1",
      exitCode: 1,
    });
    expect(job).toMatchObject({ state: "FAILED", exitCode: 1 });
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts![0]).toMatchObject({ outcome: "Failed", reason: "PodFailurePolicy" });
    expect(deps.cluster.submits).toBe(1);
  });

  it("a JobSet ended as ReachedMaxRestarts (a child disrupted) restarts the whole set as the next attempt", async () => {
    const deps = memoryDeps();
    const first = await submitted(deps, "slice", { accelerator: "tpu-v5litepod-16" });
    expect(first.workload!.kind).toBe("JobSet");
    const resumed = await syncWith(deps, "slice", { phase: "Failed", reason: "ReachedMaxRestarts" });
    expect(resumed.attempt).toBe(2);
    expect(resumed.workload!.kind).toBe("JobSet");
  });

  it("fails as PreemptionLimit once maxPreemptions resumes are used", async () => {
    const deps = memoryDeps();
    await submitted(deps, "lim", { maxPreemptions: 1 });
    expect((await syncWith(deps, "lim", DISRUPTED)).attempt).toBe(2);
    const job = await syncWith(deps, "lim", DISRUPTED);
    expect(job).toMatchObject({ state: "FAILED", reason: "PreemptionLimit", attempt: 2 });
    expect(job.attempts!.map((a) => a.outcome)).toEqual(["Disrupted", "Disrupted"]);
  });

  it("a cluster that refuses the next attempt for good fails the job, naming why, instead of retrying forever", async () => {
    const deps = memoryDeps();
    await submitted(deps, "refused");
    deps.cluster.setStatus((await deps.store.get(KEY("refused")))!.workload!, DISRUPTED);
    deps.cluster.failNext("submit", new KineticError("cluster-rejected", "admission webhook denied the request"));
    await syncJobs(deps);
    const job = (await deps.store.get(KEY("refused")))!;
    expect(job).toMatchObject({ state: "FAILED", reason: "ClusterRejected" });
    expect(job.message).toMatch(/refused attempt 2: admission webhook denied/);
  });

  it("concurrent syncs resume once: one attempt 2, one workload, one record", async () => {
    const deps = memoryDeps();
    const first = await submitted(deps, "race");
    deps.cluster.setStatus(first.workload!, DISRUPTED);
    await Promise.all([syncJobs(deps), syncJobs(deps), syncJobs(deps)]);
    const job = (await deps.store.get(KEY("race")))!;
    expect(job.attempt).toBe(2);
    expect(job.attempts).toHaveLength(2);
    const jobs = [...deps.cluster.objects.values()].filter((o) => o.kind === "Job");
    expect(jobs.map((o) => o.name)).toEqual([job.workload!.name]);
  });

  it("a late sync that read the disrupted attempt never rewinds a resumed record", async () => {
    const deps = memoryDeps();
    const first = await submitted(deps, "late");
    const stale = (await deps.store.get(KEY("late")))!;
    const resumed = await syncWith(deps, "late", DISRUPTED);
    // A sync that read the job before the resume now applies what it saw of attempt 1 (its workload is gone).
    const staleStore = Object.assign(Object.create(deps.store) as typeof deps.store, {
      listActive: () => Promise.resolve([stale]),
    });
    const summary = await syncJobs({ ...deps, store: staleStore });
    expect(summary.errors).toBe(0);
    const job = (await deps.store.get(KEY("late")))!;
    expect(job).toEqual(resumed);
    expect(job).toMatchObject({ state: "PENDING", reason: "Resuming", attempt: 2 });
    expect(job.workload!.name).not.toBe(first.workload!.name);
  });

  it("a cancel between the disruption and the resume wins: the attempt created behind it is deleted", async () => {
    const deps = memoryDeps();
    await submitted(deps, "cx");
    const read = (await deps.store.get(KEY("cx")))!;
    await cancelJob(deps, KEY("cx"), "tester");
    const { outcome, job } = await resumeAfterDisruption(deps, read, DISRUPTED);
    expect(outcome).toBe("raced");
    expect(job.state).toBe("CANCELLED");
    expect([...deps.cluster.objects.values()].filter((o) => o.kind === "Job")).toEqual([]);
  });
});
