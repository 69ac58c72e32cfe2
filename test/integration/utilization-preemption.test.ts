/**
 * Demand-aware preemption on the testbed: the H100 pool (one KWOK node of
 * eight GPUs, shaped like a3-highgpu-8g) is held by a job past its soft
 * duration; an H100 job waits, unschedulable, past
 * pendingThresholdForPreemption. Concurrent checkUtilization runs preempt
 * the overdue H100 job exactly once, leave an overdue L4 job alone, and the
 * waiting job then runs on the freed node.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingBus } from "../../shared/bus/event-bus.ts";
import type { Deps } from "../../shared/deps.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { createTestNamespace, TEST_ANNOTATIONS, type TestNamespace } from "../../testbed/index.ts";
import {
  check,
  freeStartedJobs,
  runningJob,
  setConfig,
  sleep,
  startMetrics,
  type Metrics,
} from "./utilization-support.ts";
import { syncUntil, testCluster, testDeps, uniqueId } from "./support.ts";

let metrics: Metrics;
let ns: TestNamespace;
let bus: RecordingBus;
let deps: Deps;

beforeAll(async () => {
  [metrics, ns] = await Promise.all([startMetrics(), createTestNamespace("util-preempt")]);
  bus = new RecordingBus();
  deps = testDeps({ namespaces: ["*"], bus });
});
afterAll(async () => {
  await freeStartedJobs();
  await metrics?.stop();
  await ns?.cleanup();
});

describe("demand-aware preemption", () => {
  it("a pending H100 job past the threshold preempts an overdue H100 job once, never an overdue L4 job", async () => {
    await setConfig(deps, {
      scheduling: { pendingThresholdForPreemption: "2s" },
      resourceMonitoring: { targetNamespaces: [ns.name] },
    });
    const h100 = { accelerator: "nvidia-h100-80gb", gpus: 8 };
    const overdueH100 = await runningJob(deps, ns.name, { ...h100, duration: "1s", prefix: "old-h100" });
    const overdueL4 = await runningJob(deps, ns.name, {
      accelerator: "nvidia-l4",
      gpus: 1,
      duration: "1s",
      prefix: "old-l4",
    });

    const waitingId = uniqueId("wants-h100");
    const waitingKey = { namespace: ns.name, id: waitingId };
    await submitJob(deps, {
      spec: {
        id: waitingId,
        namespace: ns.name,
        command: ["sleep", "3600"],
        cpu: "100m",
        memory: "64Mi",
        annotations: { [TEST_ANNOTATIONS.outcome]: "run" },
        ...h100,
      },
      principal: "tester",
      source: "test",
    });
    const pending = await syncUntil(
      deps,
      waitingKey,
      (j) => j.state === "PENDING" && j.pendingKind === "Unschedulable",
    );
    expect(pending.demandSince).toBeDefined();

    // Before the threshold: nobody is preempted.
    const early = await check(deps, metrics.prometheus.url);
    expect(early.counts.preempted).toBe(0);
    await sleep(Math.max(0, Date.parse(pending.demandSince!) + 2_500 - Date.now()));

    // Four runs at once (overlapping ticks): one holds the lease, the victim is stopped once.
    const runs = await Promise.all([1, 2, 3, 4].map(() => check(deps, metrics.prometheus.url)));
    expect(runs.reduce((n, r) => n + r.counts.preempted, 0)).toBe(1);
    // Whether the runs overlap is up to the machine: a run either held the lease and finished, or found it held.
    for (const r of runs) expect(["completed", "skipped"]).toContain(r.status);

    const victim = (await deps.store.get(overdueH100.key))!;
    expect(victim).toMatchObject({ state: "FAILED", reason: "Preempted", active: false });
    expect(victim.message).toContain(`preempted for job ${ns.name}/${waitingId}`);
    expect(victim.message).toMatch(/past its duration 1s/);
    expect((await testCluster().status(overdueH100.job.workload!)).phase).toBe("Missing");
    const finished = bus.messages.filter((m) => (m.data as { jobId?: string }).jobId === overdueH100.key.id);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.data).toMatchObject({ type: "job.finished", state: "FAILED", reason: "Preempted" });

    expect((await deps.store.get(overdueL4.key))!).toMatchObject({ state: "RUNNING" });
    expect((await testCluster().status(overdueL4.job.workload!)).phase).toBe("Running");

    // The waiting job takes the freed node; later runs preempt no one else.
    const running = await syncUntil(deps, waitingKey, ["RUNNING"]);
    expect(running.preemptionRequestedAt).toBeDefined();
    const after = await check(deps, metrics.prometheus.url);
    expect(after.counts.preempted).toBe(0);
    expect((await deps.store.get(overdueL4.key))!.state).toBe("RUNNING");
    if (running.workload) await testCluster().delete(running.workload);
  });
});
