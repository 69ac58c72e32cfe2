/**
 * The operator config's default queue on the testbed's real Kueue: the
 * ClusterQueue named by the config in its cohort, sized from the live nodes
 * (and kept in step with them when dynamicallyUpdateDefaultClusterQueue is on),
 * Kinetic's WorkloadPriorityClasses, a job that names no queue sent there
 * through its namespace's LocalQueue, and the scheduler name / GPU taint
 * settings on the pods a submission creates. Each test run uses ClusterQueue
 * and cohort names of its own, so it never touches the testbed's queue.
 */
import { BatchV1Api, CoreV1Api, KubernetesObjectApi, type V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kueueApplier, type KueueApplier } from "../../shared/cluster/kueue-apply.ts";
import type { Deps } from "../../shared/deps.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { ensureDefaultQueue } from "../../shared/kueue/ensure.ts";
import { reconcileDefaultQueue } from "../../shared/kueue/reconcile.ts";
import { KUEUE_API, planDefaultQueue } from "../../shared/kueue/default-queue.ts";
import { renderWorkload, workloadName } from "../../shared/manifests/render.ts";
import { jobDefaults } from "../../shared/operator-config/job-settings.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import type { OperatorConfigInput } from "../../shared/operator-config/schema.ts";
import {
  GPU_RESOURCE,
  NODE_POOLS,
  TPU_RESOURCE,
  createTestNamespace,
  kubeConfigFromEnv,
  nodesFor,
  requireAddon,
  waitFor,
  type NodePool,
  type TestNamespace,
} from "../../testbed/index.ts";
import { syncUntil, testDeps, testLog, testStores, uniqueId } from "./support.ts";

type Cq = {
  spec: {
    cohortName?: string;
    resourceGroups: { flavors: { name: string; resources: { name: string; nominalQuota: string }[] }[] }[];
  };
};

describe("the default queue from the operator config, on real Kueue", () => {
  requireAddon("kueue");
  const cqName = uniqueId("kdq");
  const cohort = uniqueId("kdc");
  let kube: KueueApplier;
  let objects: KubernetesObjectApi;
  let ns: TestNamespace;
  let deps: Deps;
  const created: { kind: string; name: string; apiVersion: string }[] = [];

  async function setConfig(patch: OperatorConfigInput) {
    const { revision, set } = await deps.operatorConfig.read();
    await deps.operatorConfig.write({ ...set, ...patch }, { by: "test", ifRevision: revision });
  }
  const readCq = async () =>
    (await kube.get({ apiVersion: KUEUE_API, kind: "ClusterQueue", name: cqName })) as unknown as Cq | undefined;
  const quotaOf = (cq: Cq | undefined, flavor: string, resource: string) =>
    cq?.spec.resourceGroups[0]?.flavors.find((f) => f.name === flavor)?.resources.find((r) => r.name === resource)
      ?.nominalQuota;

  beforeAll(async () => {
    const kc = kubeConfigFromEnv();
    kube = kueueApplier(kc);
    objects = KubernetesObjectApi.makeApiClient(kc);
    ns = await createTestNamespace("kdq"); // no LocalQueue: ensureDefaultQueue makes it
    // KINETIC_DEFAULT_QUEUE set = queue-less jobs go through Kueue, to the config's queue.
    deps = testDeps({ namespaces: [ns.name], stores: testStores(), config: { defaultQueue: "kinetic" } });
    await setConfig({
      defaultClusterQueueName: cqName,
      defaultClusterQueueCohortName: cohort,
      dynamicallyUpdateDefaultClusterQueue: true,
    });
    created.push({ apiVersion: KUEUE_API, kind: "ClusterQueue", name: cqName });
  });

  afterAll(async () => {
    await ns?.cleanup();
    for (const o of created.reverse()) {
      await objects
        .delete({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name } })
        .catch(() => undefined);
    }
  });

  it("sizes each pool's quota from the testbed's nodes", async () => {
    const plan = planDefaultQueue(await deps.operatorConfig.current(), await kube.listNodes());
    const testbedPools = NODE_POOLS.filter((p) => plan.pools.some((q) => q.flavor === p.name));
    expect(testbedPools.map((p) => p.name).sort()).toEqual(NODE_POOLS.map((p) => p.name).sort());
    for (const pool of testbedPools) {
      const quota = plan.pools.find((q) => q.flavor === pool.name)!.quotas;
      const resource = pool.accelerator.kind === "tpu" ? TPU_RESOURCE : GPU_RESOURCE;
      const perNode = pool.accelerator.kind === "none" ? 0 : pool.accelerator.perNode;
      expect(quota[resource], pool.name).toBe(String(perNode * pool.nodeCount));
    }
    expect(plan.pools[0]?.flavor).toBe("cpu-pool"); // CPU first: CPU-only jobs never take an accelerator pool
  });

  it("a dry run creates nothing; a run creates the ClusterQueue in its cohort (Active); a second run changes nothing", async () => {
    const config = await deps.operatorConfig.current();
    const dry = await ensureDefaultQueue(kube, config, { namespaces: [ns.name], dryRun: true });
    expect(dry.errors).toEqual([]);
    expect(await readCq()).toBeUndefined();

    const first = await ensureDefaultQueue(kube, config, { namespaces: [ns.name] });
    expect(first.errors).toEqual([]);
    expect(first.clusterQueue.action).toBe("created");
    expect(first.priorityClasses).toEqual(["kinetic-low", "kinetic-normal", "kinetic-high"]);
    expect(first.localQueues).toEqual([{ namespace: ns.name, name: cqName, action: "applied" }]);
    const cq = await readCq();
    expect(cq?.spec.cohortName).toBe(cohort);
    expect(quotaOf(cq, "l4-pool", GPU_RESOURCE)).toBe("16");
    await waitFor(
      async () => {
        const live = (await readCq()) as unknown as { status?: { conditions?: { type: string; status: string }[] } };
        return live.status?.conditions?.some((c) => c.type === "Active" && c.status === "True");
      },
      { timeoutMs: 30_000, description: `ClusterQueue ${cqName} Active` },
    );
    const before = (await readCq()) as unknown as { metadata: { resourceVersion: string } };

    const second = await ensureDefaultQueue(kube, config, { namespaces: [ns.name] });
    expect(second.clusterQueue.action).toBe("unchanged");
    const after = (await readCq()) as unknown as { metadata: { resourceVersion: string } };
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("a job that names no queue goes to the default LocalQueue and is admitted at its WorkloadPriorityClass", async () => {
    // As a cron runs it: the config read fresh, each namespace's LocalQueue made; a namespace that is gone is
    // reported and does not keep the others from theirs.
    const gone = uniqueId("kdq-gone");
    const run = await reconcileDefaultQueue(
      { operatorConfig: deps.operatorConfig, log: testLog, kueue: async () => kube },
      [ns.name, gone],
    );
    if (!run.ok) throw new Error(run.error);
    expect(run.report.localQueues).toContainEqual({ namespace: ns.name, name: cqName, action: "applied" });
    expect(run.report.localQueues).toContainEqual({ namespace: gone, name: cqName, action: "failed" });
    expect(run.report.errors).toEqual([expect.stringContaining(`LocalQueue ${gone}/${cqName}`)]);
    const id = uniqueId("noqueue");
    const spec = {
      id,
      namespace: ns.name,
      command: ["true"],
      cpu: "100m",
      memory: "64Mi",
      accelerator: "nvidia-l4",
      gpus: 1,
      priority: "kinetic-high",
    };
    expect((await submitJob(deps, { spec, principal: "tester", source: "test" })).status).toBe("created");
    const batch = kubeConfigFromEnv().makeApiClient(BatchV1Api);
    const created: V1Job = await batch.readNamespacedJob({ name: workloadName(id), namespace: ns.name });
    expect(created.metadata?.labels).toMatchObject({
      "kueue.x-k8s.io/queue-name": cqName,
      "kueue.x-k8s.io/priority-class": "kinetic-high",
    });
    const done = await syncUntil(
      deps,
      { namespace: ns.name, id },
      (j) => j.state === "SUCCEEDED" || j.state === "FAILED",
    );
    expect(done.state).toBe("SUCCEEDED");
  });

  it("with dynamicallyUpdateDefaultClusterQueue the quota follows nodes added and removed; without it, operators own it", async () => {
    const tag = uniqueId("dyn");
    const pool: NodePool = {
      name: tag,
      nodeCount: 1,
      machineType: "g2-standard-48",
      zone: "us-central1-a",
      labels: { "cloud.google.com/gke-accelerator": `nvidia-${tag}` },
      // Its own taint: no other test's pod lands here.
      taints: [{ key: "kinetic.dev/test-only", value: tag, effect: "NoSchedule" }],
      capacity: { cpu: "48", memory: "192Gi", pods: "110", [GPU_RESOURCE]: "4" },
      accelerator: { kind: "gpu", type: `nvidia-${tag}`, perNode: 4 },
    };
    const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
    const node = nodesFor(pool)[0]!;
    const nodeName = node.metadata!.name!;
    created.push({ apiVersion: KUEUE_API, kind: "ResourceFlavor", name: tag });
    created.push({ apiVersion: "v1", kind: "Node", name: nodeName });
    await core.createNode({ body: node });
    await waitFor(
      async () =>
        (await core.readNode({ name: nodeName })).status?.conditions?.some(
          (c) => c.type === "Ready" && c.status === "True",
        ),
      { timeoutMs: 30_000, description: `node ${nodeName} Ready` },
    );

    const grown = await ensureDefaultQueue(kube, await deps.operatorConfig.current());
    expect(grown.clusterQueue.action).toBe("updated");
    expect(grown.flavors).toContainEqual({ name: tag, action: "created" });
    expect(quotaOf(await readCq(), tag, GPU_RESOURCE)).toBe("4");

    // Quota frozen: a node leaving changes nothing but the cohort, which still follows the config.
    const newCohort = uniqueId("kdc");
    await setConfig({ dynamicallyUpdateDefaultClusterQueue: false, defaultClusterQueueCohortName: newCohort });
    await core.deleteNode({ name: nodeName });
    const frozen = await ensureDefaultQueue(kube, await deps.operatorConfig.current());
    expect(frozen.clusterQueue.action).toBe("cohort-only");
    expect(quotaOf(await readCq(), tag, GPU_RESOURCE)).toBe("4");
    expect((await readCq())?.spec.cohortName).toBe(newCohort);

    // Back on: the next run drops the pool that left.
    await setConfig({ dynamicallyUpdateDefaultClusterQueue: true });
    const shrunk = await ensureDefaultQueue(kube, await deps.operatorConfig.current());
    expect(shrunk.clusterQueue.action).toBe("updated");
    expect(quotaOf(await readCq(), tag, GPU_RESOURCE)).toBeUndefined();
    expect(quotaOf(await readCq(), "l4-pool", GPU_RESOURCE)).toBe("16");
  });

  it("kubeSchedulerName and the GPU taint key from the config reach the pods a submission creates", async () => {
    await setConfig({
      scheduling: { kubeSchedulerName: "kinetic-bin-packing" },
      nodes: { defaultGpuTaintKey: "example.com/gpu-node" },
    });
    const id = uniqueId("sched");
    // A LocalQueue that does not exist: the Job stays suspended and holds no quota (no such scheduler runs here).
    const spec = {
      id,
      namespace: ns.name,
      queue: "held",
      command: ["true"],
      cpu: "100m",
      memory: "64Mi",
      accelerator: "nvidia-l4",
      gpus: 1,
    };
    await submitJob(deps, { spec, principal: "tester", source: "test" });
    const batch = kubeConfigFromEnv().makeApiClient(BatchV1Api);
    const job = await batch.readNamespacedJob({ name: workloadName(id), namespace: ns.name });
    const pod = job.spec?.template.spec;
    expect(pod?.schedulerName).toBe("kinetic-bin-packing");
    expect(pod?.tolerations).toContainEqual({ key: "example.com/gpu-node", operator: "Exists", effect: "NoSchedule" });
    // And the same rendering, queue-less, passes the API server's (and Kueue's webhooks') server-side dry run.
    const defaults = await jobDefaults(deps.operatorConfig, "kinetic");
    const { queue: _held, ...queueLess } = spec;
    const rendered = renderWorkload(uniqueId("dry"), parseJobSpec({ ...queueLess, queue: defaults.queue }), {
      ...(defaults.scheduling ? { scheduling: defaults.scheduling } : {}),
    });
    await deps.cluster.dryRun(rendered);
  });
});
