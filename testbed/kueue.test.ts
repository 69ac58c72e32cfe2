// Kueue on the testbed: a suspended Job labelled with a LocalQueue is admitted against the ClusterQueue and runs.
import { BatchV1Api, CustomObjectsApi, type V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLUSTER_QUEUE,
  GPU_RESOURCE,
  LOCAL_QUEUE,
  POOLS,
  QUEUE_LABEL,
  acceleratorSelector,
  createTestNamespace,
  kubeConfigFromEnv,
  podsOfJob,
  requireAddon,
  waitFor,
  waitForJobCondition,
  type TestNamespace,
} from "./index.ts";

interface Workload {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    admission?: { clusterQueue?: string; podSetAssignments?: { flavors?: Record<string, string> }[] };
  };
}

function queuedJob(name: string, gpus: number): V1Job {
  const resources = { [GPU_RESOURCE]: String(gpus), cpu: "2", memory: "8Gi" };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: { [QUEUE_LABEL]: LOCAL_QUEUE } },
    spec: {
      suspend: true,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          nodeSelector: acceleratorSelector(POOLS.l4),
          containers: [
            {
              name: "trainer",
              image: "us-docker.pkg.dev/kinetic/test/trainer:latest",
              resources: { requests: resources, limits: resources },
            },
          ],
        },
      },
    },
  };
}

describe("Kueue admission", () => {
  requireAddon("kueue");
  const kc = kubeConfigFromEnv();
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns: TestNamespace;

  beforeAll(async () => {
    ns = await createTestNamespace("kueue", { localQueue: true });
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  async function workloadOf(jobName: string): Promise<Workload | undefined> {
    const list = (await custom.listNamespacedCustomObject({
      group: "kueue.x-k8s.io",
      version: "v1beta2",
      namespace: ns.name,
      plural: "workloads",
    })) as { items: Workload[] };
    return list.items.find((w) => w.metadata?.name?.startsWith(`job-${jobName}-`));
  }

  it("admits a suspended, queue-labelled Job, unsuspends it and lets it complete", async () => {
    await batch.createNamespacedJob({ namespace: ns.name, body: queuedJob("queued", 8) });

    const admitted = await waitFor(
      async () => {
        const wl = await workloadOf("queued");
        return wl?.status?.conditions?.some((c) => c.type === "Admitted" && c.status === "True") ? wl : undefined;
      },
      { timeoutMs: 60_000, description: "Workload for Job queued Admitted" },
    );
    expect(admitted.status?.admission?.clusterQueue).toBe(CLUSTER_QUEUE);
    expect(admitted.status?.admission?.podSetAssignments?.[0]?.flavors?.[GPU_RESOURCE]).toMatch(/^l4(-spot)?-pool$/);

    await waitForJobCondition(kc, ns.name, "queued", "Complete", { timeoutMs: 60_000 });
    const job = await batch.readNamespacedJob({ name: "queued", namespace: ns.name });
    expect(job.spec?.suspend).toBe(false);
    const [pod] = await podsOfJob(kc, ns.name, "queued");
    expect(pod?.status?.phase).toBe("Succeeded");
  });

  it("keeps a Job that exceeds every flavor's quota suspended, with the reason on its Workload", async () => {
    await batch.createNamespacedJob({ namespace: ns.name, body: queuedJob("over-quota", 64) });

    const pendingWl = await waitFor(
      async () => {
        const wl = await workloadOf("over-quota");
        const qr = wl?.status?.conditions?.find((c) => c.type === "QuotaReserved");
        return qr?.status === "False" && qr.reason !== undefined ? wl : undefined;
      },
      { timeoutMs: 60_000, description: "Workload for Job over-quota with QuotaReserved=False" },
    );
    const quota = pendingWl.status?.conditions?.find((c) => c.type === "QuotaReserved");
    expect(quota?.message).toContain(GPU_RESOURCE);
    expect(pendingWl.status?.conditions?.some((c) => c.type === "Admitted" && c.status === "True")).toBe(false);
    const job = await batch.readNamespacedJob({ name: "over-quota", namespace: ns.name });
    expect(job.spec?.suspend).toBe(true);
    expect(await podsOfJob(kc, ns.name, "over-quota")).toHaveLength(0);
  });
});
