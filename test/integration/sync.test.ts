/**
 * syncJobs' fault handling on real parts: pending timeouts (driven by a
 * manual clock), submissions whose cluster call failed, and a crash between
 * the Firestore commit and the finished-event publish.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchV1Api } from "@kubernetes/client-node";
import { ManualClock } from "../../shared/clock.ts";
import { KineticError } from "../../shared/errors.ts";
import { RecordingBus, type EventBus } from "../../shared/bus/event-bus.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { workloadName } from "../../shared/manifests/render.ts";
import type { ClusterClient } from "../../shared/cluster/types.ts";
import { createTestNamespace, kubeConfigFromEnv, waitFor, type TestNamespace } from "../../testbed/index.ts";
import { testCluster, testDeps, uniqueId } from "./support.ts";

let ns: TestNamespace;
beforeAll(async () => {
  ns = await createTestNamespace("sync");
});
afterAll(async () => {
  await ns?.cleanup();
});

const spec = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  namespace: ns.name,
  command: ["true"],
  cpu: "100m",
  memory: "64Mi",
  ...extra,
});
const submit = (deps: ReturnType<typeof testDeps>, s: unknown) =>
  submitJob(deps, { spec: s, principal: "tester", source: "test" });

/** The real cluster, with its create call failing the first `failures` times as if the API server were down. */
function flakyCluster(failures: number): ClusterClient {
  const real = testCluster();
  let left = failures;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "submit" && left > 0) {
        return async () => {
          left--;
          throw new KineticError("cluster-unavailable", "create Job: connect ECONNREFUSED (injected)");
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("syncJobs", () => {
  it("fails a job that stays unschedulable past its limit and deletes its workload", async () => {
    const clock = new ManualClock(new Date());
    const deps = testDeps({ namespaces: [ns.name], clock, config: { unschedulableTimeoutSeconds: 600 } });
    const id = uniqueId("stuck");
    await submit(deps, spec(id, { cpu: "500" }));
    await waitFor(async () => {
      await syncJobs(deps);
      return (await deps.store.get({ namespace: ns.name, id }))?.state === "PENDING";
    });
    clock.advance(599_000);
    await syncJobs(deps);
    expect((await deps.store.get({ namespace: ns.name, id }))!.state).toBe("PENDING");
    clock.advance(2_000);
    await syncJobs(deps);
    const job = (await deps.store.get({ namespace: ns.name, id }))!;
    expect(job).toMatchObject({ state: "FAILED", reason: "UnschedulableTimeout" });
    expect(job.message).toMatch(/Insufficient cpu/);
    const batch = kubeConfigFromEnv().makeApiClient(BatchV1Api);
    await waitFor(async () => {
      try {
        const j = await batch.readNamespacedJob({ name: workloadName(id), namespace: ns.name });
        return Boolean(j.metadata?.deletionTimestamp);
      } catch {
        return true;
      }
    });
  });

  it("finishes a submission whose cluster call failed: nack first, then the next sync creates it", async () => {
    const clock = new ManualClock(new Date());
    // Three failures outlast the handler's own retries (3 attempts with backoff).
    const deps = testDeps({ namespaces: [ns.name], clock, cluster: flakyCluster(3) });
    const id = uniqueId("flaky");
    // The transient failure then propagates, so Pub/Sub would redeliver; the record waits in QUEUED.
    await expect(submit(deps, spec(id))).rejects.toMatchObject({ code: "cluster-unavailable" });
    expect((await deps.store.get({ namespace: ns.name, id }))!.state).toBe("QUEUED");
    // Too early for the sweep to take over from the transport's own retry.
    await syncJobs(deps);
    expect((await deps.store.get({ namespace: ns.name, id }))!.state).toBe("QUEUED");
    clock.advance(deps.config.resubmitAfterSeconds * 1000 + 1);
    const summary = await syncJobs(deps);
    expect(summary.resubmitted).toBe(1);
    const job = (await deps.store.get({ namespace: ns.name, id }))!;
    expect(job.state).toBe("SUBMITTED");
    expect(job.workload?.name).toBe(workloadName(id));
  });

  it("rides out a brief API server outage within one delivery", async () => {
    const deps = testDeps({ namespaces: [ns.name], cluster: flakyCluster(2) });
    const id = uniqueId("blip");
    const outcome = await submit(deps, spec(id));
    expect(outcome.status).toBe("created");
    expect((await deps.store.get({ namespace: ns.name, id }))!.state).toBe("SUBMITTED");
  });

  it("fails a job the cluster rejects permanently, with the API server's message", async () => {
    const deps = testDeps({ namespaces: ["missing-*"] });
    const id = uniqueId("noname");
    // The namespace does not exist: the API server answers 404, which no retry can fix.
    const outcome = await submit(deps, spec(id, { namespace: "missing-" + id }));
    expect(outcome.status).toBe("created");
    const job = (await deps.store.get({ namespace: "missing-" + id, id }))!;
    expect(job.state).toBe("FAILED");
    expect(job.reason).toBe("ClusterRejected");
    expect(job.message).toMatch(/not found/);
  });

  it("publishes the finished event after a crash between commit and publish, exactly once", async () => {
    let failNext = true;
    const recorded = new RecordingBus();
    const bus: EventBus = {
      async publish(topic, data, attributes) {
        if (failNext) {
          failNext = false;
          throw new KineticError("unavailable", "publish failed (injected)");
        }
        return recorded.publish(topic, data, attributes);
      },
    };
    const deps = testDeps({ namespaces: [ns.name], bus });
    const id = uniqueId("pub");
    await submit(deps, spec(id));
    await waitFor(
      async () => {
        const s = await syncJobs(deps);
        return s.errors > 0 || (await deps.store.get({ namespace: ns.name, id }))?.state === "SUCCEEDED";
      },
      { timeoutMs: 60_000 },
    );
    const afterCrash = (await deps.store.get({ namespace: ns.name, id }))!;
    expect(afterCrash.state).toBe("SUCCEEDED");
    expect(afterCrash.active).toBe(true);
    expect(recorded.messages).toHaveLength(0);
    await syncJobs(deps);
    await syncJobs(deps);
    expect(recorded.messages.map((m) => (m.data as { jobId: string }).jobId)).toEqual([id]);
    const done = (await deps.store.get({ namespace: ns.name, id }))!;
    expect(done).toMatchObject({ active: false, finishedEventPublished: true, cleanupPending: true });
  });

  it("reads only active jobs: finished history does not add reads", async () => {
    const deps = testDeps({ namespaces: [ns.name] });
    for (let i = 0; i < 40; i++) {
      await deps.store.create({
        id: `old-${i}`,
        namespace: ns.name,
        accelerator: "cpu",
        state: "REJECTED",
        reason: "X",
      });
    }
    const before = { ...deps.store.stats };
    const summary = await syncJobs(deps);
    expect(summary.scanned).toBe(0);
    expect(deps.store.stats.reads - before.reads).toBe(1);
  });
});
