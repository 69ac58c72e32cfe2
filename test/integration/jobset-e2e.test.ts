/** Multi-host TPU slices end to end: a v5e 4x4 job becomes a JobSet with one pod per host, tracked to its end. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api } from "@kubernetes/client-node";
import { submitJob } from "../../shared/jobs/submit.ts";
import {
  TEST_ANNOTATIONS,
  createTestNamespace,
  kubeConfigFromEnv,
  requireAddon,
  waitFor,
  type TestNamespace,
} from "../../testbed/index.ts";
import { syncUntil, testDeps, uniqueId } from "./support.ts";

describe("multi-host TPU jobs", () => {
  requireAddon("jobset");
  let ns: TestNamespace;
  let deps: ReturnType<typeof testDeps>;
  beforeAll(async () => {
    ns = await createTestNamespace("jobset-e2e");
    deps = testDeps({ namespaces: [ns.name] });
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  const submit = (id: string, extra: Record<string, unknown> = {}) =>
    submitJob(deps, {
      spec: { id, namespace: ns.name, command: ["python", "train.py"], accelerator: "tpu-v5litepod-16", ...extra },
      principal: "tester",
      source: "test",
    });

  it("runs one pod per host with 4 chips each and records SUCCEEDED", async () => {
    const id = uniqueId("v5e");
    // Long enough that all four hosts run at once: a finished pod frees its host for another pod.
    const outcome = await submit(id, { annotations: { [TEST_ANNOTATIONS.runFor]: "8s" } });
    expect(outcome.status).toBe("created");
    const job = (await deps.store.get({ namespace: ns.name, id }))!;
    expect(job.workload?.kind).toBe("JobSet");
    const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
    const pods = await waitFor(
      async () => {
        const list = await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: `jobset.sigs.k8s.io/jobset-name=${job.workload!.name}`,
        });
        return list.items.length === 4 && list.items.every((p) => p.status?.phase === "Running")
          ? list.items
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(new Set(pods.map((p) => p.spec!.nodeName)).size).toBe(4);
    for (const p of pods) expect(p.spec!.containers[0]!.resources?.limits?.["google.com/tpu"]).toBe("4");
    const done = await syncUntil(deps, { namespace: ns.name, id }, ["SUCCEEDED", "FAILED"]);
    expect(done.state).toBe("SUCCEEDED");
  });

  it("fails the whole job when its workers fail, with their exit code", async () => {
    const id = uniqueId("v5e-fail");
    await submit(id, { annotations: { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "7" } });
    const done = await syncUntil(deps, { namespace: ns.name, id }, ["SUCCEEDED", "FAILED"]);
    expect(done.state).toBe("FAILED");
    expect(done.exitCode).toBe(7);
  });
});
