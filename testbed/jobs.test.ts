// batch/v1 Jobs on the testbed's fake GKE GPU nodes: real validation, scheduling, Job controller and KWOK outcomes.
import { ApiException, BatchV1Api, CoreV1Api, type V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GPU_RESOURCE,
  LABEL_GKE_ACCELERATOR,
  LABEL_NODEPOOL,
  POOLS,
  TEST_ANNOTATIONS,
  acceleratorSelector,
  createTestNamespace,
  kubeConfigFromEnv,
  podsOfJob,
  waitFor,
  waitForJobCondition,
  waitForPodCondition,
  type TestNamespace,
} from "./index.ts";

const kc = kubeConfigFromEnv();
const batch = kc.makeApiClient(BatchV1Api);
const core = kc.makeApiClient(CoreV1Api);

function job(
  name: string,
  opts: {
    resources?: Record<string, string>;
    nodeSelector?: Record<string, string>;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  },
): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: opts.labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: opts.annotations },
        spec: {
          restartPolicy: "Never",
          nodeSelector: opts.nodeSelector,
          containers: [
            {
              name: "trainer",
              image: "us-docker.pkg.dev/kinetic/test/trainer:latest",
              resources: opts.resources ? { limits: opts.resources, requests: opts.resources } : undefined,
            },
          ],
        },
      },
    },
  };
}

describe("batch/v1 Jobs on fake GKE nodes", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace("jobs");
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  it("runs an 8-GPU L4 Job to Complete on an L4 node", async () => {
    const body = job("l4-train", {
      resources: { [GPU_RESOURCE]: "8", cpu: "4", memory: "16Gi" },
      nodeSelector: acceleratorSelector(POOLS.l4),
    });
    await batch.createNamespacedJob({ namespace: ns.name, body });

    const done = await waitForJobCondition(kc, ns.name, "l4-train", "Complete", { timeoutMs: 60_000 });
    expect(done.status?.succeeded).toBe(1);

    const [pod] = await podsOfJob(kc, ns.name, "l4-train");
    expect(pod?.status?.phase).toBe("Succeeded");
    // ExtendedResourceToleration (on, as on GKE) added the toleration for the GPU taint.
    expect(pod?.spec?.tolerations).toContainEqual(
      expect.objectContaining({ key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }),
    );
    const node = await core.readNode({ name: pod?.spec?.nodeName ?? "" });
    expect(node.metadata?.labels?.[LABEL_GKE_ACCELERATOR]).toBe("nvidia-l4");
    expect(node.metadata?.labels?.[LABEL_NODEPOOL]).toMatch(/^l4(-spot)?-pool$/);
  });

  it("leaves a 16-GPU single-pod Job Pending with the scheduler's Unschedulable reason", async () => {
    const body = job("too-big", {
      resources: { [GPU_RESOURCE]: "16" },
      nodeSelector: acceleratorSelector(POOLS.l4),
    });
    await batch.createNamespacedJob({ namespace: ns.name, body });

    const pod = await waitFor(async () => (await podsOfJob(kc, ns.name, "too-big"))[0], {
      timeoutMs: 30_000,
      description: "the Job's pod",
    });
    const pending = await waitForPodCondition(kc, ns.name, pod.metadata?.name ?? "", "PodScheduled", {
      status: "False",
      reason: "Unschedulable",
      timeoutMs: 30_000,
    });
    expect(pending.status?.phase).toBe("Pending");
    const scheduled = pending.status?.conditions?.find((c) => c.type === "PodScheduled");
    expect(scheduled?.message).toContain(`Insufficient ${GPU_RESOURCE}`);
    const current = await batch.readNamespacedJob({ name: "too-big", namespace: ns.name });
    expect(current.status?.conditions?.some((c) => c.type === "Complete" || c.type === "Failed")).not.toBe(true);
  });

  it("rejects an invalid manifest (64-character label value) with 422 naming the field", async () => {
    const body = job("bad-label", { labels: { "kinetic.dev/run": "x".repeat(64) } });
    const err: unknown = await batch.createNamespacedJob({ namespace: ns.name, body }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    const apiErr = err as ApiException<unknown>;
    expect(apiErr.code).toBe(422);
    expect(JSON.stringify(apiErr.body)).toContain("metadata.labels");
    // The wording changed across releases ("characters" up to 1.35, "bytes" in 1.36).
    expect(JSON.stringify(apiErr.body)).toMatch(/must be no more than 63 (characters|bytes)/);
  });

  it("fails a Job whose pod exits with the annotated code, visible in the terminated state", async () => {
    const body = job("exit-3", {
      nodeSelector: acceleratorSelector(POOLS.cpu),
      annotations: { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "3" },
    });
    await batch.createNamespacedJob({ namespace: ns.name, body });

    const failed = await waitForJobCondition(kc, ns.name, "exit-3", "Failed", { timeoutMs: 60_000 });
    expect(failed.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe("BackoffLimitExceeded");
    const [pod] = await podsOfJob(kc, ns.name, "exit-3");
    expect(pod?.status?.phase).toBe("Failed");
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it("keeps a pod annotated outcome=run Running until its Job is deleted", async () => {
    const body = job("long-run", {
      nodeSelector: acceleratorSelector(POOLS.cpu),
      annotations: { [TEST_ANNOTATIONS.outcome]: "run" },
    });
    await batch.createNamespacedJob({ namespace: ns.name, body });
    const running = await waitFor(
      async () => {
        const [pod] = await podsOfJob(kc, ns.name, "long-run");
        return pod?.status?.phase === "Running" ? pod : undefined;
      },
      { timeoutMs: 30_000, description: "long-run pod Running" },
    );
    expect(running.status?.containerStatuses?.[0]?.state?.running).toBeDefined();

    await batch.deleteNamespacedJob({ name: "long-run", namespace: ns.name, propagationPolicy: "Foreground" });
    await waitFor(async () => (await podsOfJob(kc, ns.name, "long-run")).length === 0, {
      timeoutMs: 60_000,
      description: "long-run pods deleted",
    });
  });
});
