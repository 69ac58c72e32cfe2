// JobSet on the testbed: a multi-host TPU v5e 4x4 slice runs as one pod per host, and a worker's failure fails it.
import { BatchV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LABEL_NODEPOOL,
  POOLS,
  TEST_ANNOTATIONS,
  TPU_RESOURCE,
  acceleratorSelector,
  createTestNamespace,
  kubeConfigFromEnv,
  requireAddon,
  waitFor,
  waitForJobCondition,
  waitForPodsPhase,
  type TestNamespace,
} from "./index.ts";

interface JobSetStatus {
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

const pool = POOLS.v5e16;

function sliceJobSet(name: string, podAnnotations: Record<string, string>) {
  return {
    apiVersion: "jobset.x-k8s.io/v1alpha2",
    kind: "JobSet",
    metadata: {
      name,
      // As XPK does: each replicated Job (one slice) gets a node pool to itself.
      annotations: { "alpha.jobset.sigs.k8s.io/exclusive-topology": LABEL_NODEPOOL },
    },
    spec: {
      failurePolicy: { maxRestarts: 0 },
      replicatedJobs: [
        {
          name: "slice",
          replicas: 1,
          template: {
            spec: {
              parallelism: pool.nodeCount,
              completions: pool.nodeCount,
              backoffLimit: 0,
              template: {
                metadata: { annotations: podAnnotations },
                spec: {
                  restartPolicy: "Never",
                  nodeSelector: acceleratorSelector(pool),
                  containers: [
                    {
                      name: "worker",
                      image: "us-docker.pkg.dev/kinetic/test/trainer:latest",
                      resources: { limits: { [TPU_RESOURCE]: String(pool.accelerator.perNode) } },
                    },
                  ],
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe("JobSet multi-host TPU slices", () => {
  requireAddon("jobset");
  const kc = kubeConfigFromEnv();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  let ns: TestNamespace;

  beforeAll(async () => {
    ns = await createTestNamespace("jobset");
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  const create = (body: object) =>
    custom.createNamespacedCustomObject({
      group: "jobset.x-k8s.io",
      version: "v1alpha2",
      namespace: ns.name,
      plural: "jobsets",
      body,
    });

  const waitForJobSet = (name: string, type: string) =>
    waitFor(
      async () => {
        const js = (await custom.getNamespacedCustomObject({
          group: "jobset.x-k8s.io",
          version: "v1alpha2",
          namespace: ns.name,
          plural: "jobsets",
          name,
        })) as JobSetStatus;
        return js.status?.conditions?.some((c) => c.type === type && c.status === "True") ? js : undefined;
      },
      { timeoutMs: 90_000, description: `JobSet ${name} ${type}` },
    );

  it("runs a v5e 4x4 slice as 4 pods, one per host, each with 4 chips, to Completed", async () => {
    // Long enough to see all four hosts Running together even when another slice held the pool first.
    await create(sliceJobSet("v5e-ok", { [TEST_ANNOTATIONS.runFor]: "8s" }));

    const pods = await waitForPodsPhase(kc, ns.name, "jobset.sigs.k8s.io/jobset-name=v5e-ok", "Running", {
      count: pool.nodeCount,
      timeoutMs: 60_000,
    });
    expect(pods).toHaveLength(4);
    const nodes = pods.map((p) => p.spec?.nodeName);
    expect(new Set(nodes).size).toBe(4);
    for (const p of pods) {
      expect(p.spec?.containers[0]?.resources?.limits?.[TPU_RESOURCE]).toBe("4");
      const node = await core.readNode({ name: p.spec?.nodeName ?? "" });
      expect(node.metadata?.labels?.[LABEL_NODEPOOL]).toBe(pool.name);
    }

    await waitForJobSet("v5e-ok", "Completed");
  });

  it("fails the slice's Job and the JobSet when a worker exits with code 1", async () => {
    await create(sliceJobSet("v5e-fail", { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "1" }));

    const failed = await waitForJobSet("v5e-fail", "Failed");
    expect(failed.status?.conditions?.find((c) => c.type === "Failed")?.status).toBe("True");

    const jobs = await batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: "jobset.sigs.k8s.io/jobset-name=v5e-fail",
    });
    const jobName = jobs.items[0]?.metadata?.name ?? "";
    await waitForJobCondition(kc, ns.name, jobName, "Failed", { timeoutMs: 30_000 });

    const pods = await core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: "jobset.sigs.k8s.io/jobset-name=v5e-fail",
    });
    const exitCodes = pods.items.map((p) => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode);
    expect(exitCodes).toContain(1);
  });
});
