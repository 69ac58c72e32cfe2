/**
 * Queued jobs on real Kueue: a job with `queue` is created suspended with the
 * queue-name label, Kueue admits it when quota allows, and syncJobs tells
 * "waiting in the queue" (Kueue's own message) apart from "unschedulable".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitJob } from "../../shared/jobs/submit.ts";
import { LOCAL_QUEUE, createTestNamespace, requireAddon, type TestNamespace } from "../../testbed/index.ts";
import { syncUntil, testDeps, uniqueId } from "./support.ts";

describe("jobs through a Kueue LocalQueue", () => {
  requireAddon("kueue");
  let ns: TestNamespace;
  let deps: ReturnType<typeof testDeps>;
  beforeAll(async () => {
    ns = await createTestNamespace("kueue-e2e", { localQueue: true });
    deps = testDeps({ namespaces: [ns.name] });
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  const submit = (id: string, extra: Record<string, unknown>) =>
    submitJob(deps, {
      spec: { id, namespace: ns.name, command: ["true"], cpu: "100m", memory: "64Mi", queue: LOCAL_QUEUE, ...extra },
      principal: "tester",
      source: "test",
    });

  it("admits a queued GPU job that fits the quota and runs it to SUCCEEDED", async () => {
    const id = uniqueId("fits");
    await submit(id, { accelerator: "nvidia-l4", gpus: 1 });
    const done = await syncUntil(
      deps,
      { namespace: ns.name, id },
      (j) => j.state === "SUCCEEDED" || j.state === "FAILED",
    );
    expect(done.state).toBe("SUCCEEDED");
  });

  it("reports a job over the queue's quota as PENDING in the queue, with Kueue's message", async () => {
    const id = uniqueId("over");
    // 9 workers × 8 L4 GPUs: more than the ClusterQueue's whole L4 quota.
    await submit(id, { accelerator: "nvidia-l4", gpus: 8, workers: 9 });
    const pending = await syncUntil(
      deps,
      { namespace: ns.name, id },
      (j) => j.state === "PENDING" && j.pendingKind === "Queued",
    );
    expect(pending.message).toMatch(/nvidia\.com\/gpu|quota|flavor/i);
  });
});
