/**
 * Bulk status reads on the real API server: what statusMany derives from a
 * namespace's lists (workloads, pods, Kueue Workloads) is what status() reads
 * one workload at a time, for finished, failed, running, queued and multi-host
 * workloads, and syncJobs moves every job with them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitJob } from "../../shared/jobs/submit.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { workloadKey, type WorkloadRef } from "../../shared/cluster/types.ts";
import { BULK_MIN } from "../../shared/cluster/status-many.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import {
  LOCAL_QUEUE,
  TEST_ANNOTATIONS,
  createTestNamespace,
  startFaultProxy,
  waitFor,
  type TestNamespace,
} from "../../testbed/index.ts";
import { testCluster, testDeps, uniqueId } from "./support.ts";

describe("statusMany on the testbed", () => {
  let ns: TestNamespace;
  let deps: ReturnType<typeof testDeps>;
  const cluster = () => testCluster();
  beforeAll(async () => {
    ns = await createTestNamespace("status-many", { localQueue: true });
    deps = testDeps({ namespaces: [ns.name] });
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  it("agrees with status() for every kind of workload, and syncJobs moves them all", async () => {
    const base = { namespace: ns.name, command: ["python", "train.py"], cpu: "100m", memory: "64Mi" };
    const specs = [
      ...Array.from({ length: 3 }, () => ({ ...base, id: uniqueId("ok") })),
      {
        ...base,
        id: uniqueId("fail"),
        annotations: { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "3" },
      },
      { ...base, id: uniqueId("run"), annotations: { [TEST_ANNOTATIONS.outcome]: "run" } },
      // Over the queue's whole quota: stays suspended, with Kueue's reason.
      { ...base, id: uniqueId("queued"), queue: LOCAL_QUEUE, accelerator: "nvidia-l4", gpus: 8, workers: 9 },
      // A multi-host TPU slice: a JobSet whose pods also carry their child Job's name.
      { ...base, id: uniqueId("slice"), accelerator: "tpu-v5litepod-16" },
    ];
    expect(specs.length).toBeGreaterThanOrEqual(BULK_MIN);
    for (const spec of specs) {
      const out = await submitJob(deps, { spec, principal: "tester", source: "test" });
      expect(out.status).toBe("created");
    }
    const refs: WorkloadRef[] = [];
    for (const s of specs) refs.push((await deps.store.get({ namespace: ns.name, id: s.id }))!.workload!);

    // Once the workloads settle, both ways of reading say the same thing about each.
    await waitFor(
      async () => {
        const bulk = await cluster().statusMany(refs);
        const single = await Promise.all(refs.map((r) => cluster().status(r)));
        const settled = single.every((s, i) => s.phase !== "Pending" || specs[i]!.id.startsWith("queued"));
        const same = refs.every(
          (r, i) => JSON.stringify(bulk.get(workloadKey(r))) === JSON.stringify({ status: single[i] }),
        );
        return settled && same ? true : undefined;
      },
      { timeoutMs: 90_000, description: "bulk and single reads agree on settled workloads" },
    );

    const summary = await syncJobs(deps);
    expect(summary.errors).toBe(0);
    const states = await Promise.all(specs.map(async (s) => (await deps.store.get({ namespace: ns.name, id: s.id }))!));
    expect(states.map((j) => j.state)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "FAILED",
      "RUNNING",
      "PENDING",
      expect.stringMatching(/RUNNING|SUCCEEDED/),
    ]);
    expect(states[3]).toMatchObject({ exitCode: 3 });
    expect(states[5]).toMatchObject({ pendingKind: "Queued" });
  });

  it("a sync of 30 active jobs costs a few list calls, not one or more per job (counted at the API server)", async () => {
    const proxy = await startFaultProxy(process.env.KINETIC_TEST_KUBECONFIG!);
    try {
      const counted = testDeps({ namespaces: [ns.name], cluster: KubeCluster.fromFile(proxy.kubeconfigPath) });
      const base = { namespace: ns.name, command: ["python", "train.py"], cpu: "10m", memory: "16Mi" };
      const run = { annotations: { [TEST_ANNOTATIONS.outcome]: "run" } };
      const ids = Array.from({ length: 30 }, () => uniqueId("many"));
      for (const id of ids) await submitJob(counted, { spec: { ...base, ...run, id }, principal: "t", source: "t" });
      await syncJobs(counted);
      const before = proxy.stats.requests;
      const summary = await syncJobs(counted);
      // Jobs, JobSets (the first test left some), Pods, and Kueue's Workloads (one job here is queued): a page each.
      expect(summary.errors).toBe(0);
      expect(summary.scanned).toBeGreaterThanOrEqual(30);
      expect(proxy.stats.requests - before).toBeLessThanOrEqual(4);
    } finally {
      await proxy.stop();
    }
  });
});
