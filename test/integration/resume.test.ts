/**
 * Spot preemption on the testbed: a KWOK spot node deleted under a running job (and under one host of a
 * 4-host TPU slice) makes the pod-GC controller fail its pod with the DisruptionTarget condition; syncJobs reads
 * that as a disruption and starts the next attempt — a new Job (a whole new JobSet for the slice) whose pods see
 * KINETIC_ATTEMPT=2 and the same KINETIC_CHECKPOINT_DIR — and the job ends SUCCEEDED with both attempts on the
 * record. A program exit of 1 on the same kind of node fails after one attempt. Each test brings its own node
 * pool (a unique label and taint), so deleting nodes never disturbs another suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { submitJob } from "../../shared/jobs/submit.ts";
import {
  LABEL_SPOT,
  LABEL_TPU_ACCELERATOR,
  LABEL_TPU_TOPOLOGY,
  TEST_ANNOTATIONS,
  TPU_RESOURCE,
  createTestNamespace,
  kubeConfigFromEnv,
  nodesFor,
  requireAddon,
  waitFor,
  type NodePool,
  type TestNamespace,
} from "../../testbed/index.ts";
import { syncUntil, testDeps, uniqueId } from "./support.ts";

const TAINT_KEY = "kinetic.dev/test-pool";

function spotPool(name: string, kind: "cpu" | "tpu", nodeCount: number): NodePool {
  const common = {
    name,
    nodeCount,
    zone: "us-central1-c",
    taints: [{ key: TAINT_KEY, value: name, effect: "NoSchedule" }],
  };
  return kind === "cpu"
    ? {
        ...common,
        machineType: "n2-standard-8",
        labels: { [LABEL_SPOT]: "true" },
        capacity: { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" },
        accelerator: { kind: "none" },
      }
    : {
        ...common,
        machineType: "ct5lp-hightpu-4t",
        labels: { [LABEL_SPOT]: "true", [LABEL_TPU_ACCELERATOR]: "tpu-v5-lite-podslice", [LABEL_TPU_TOPOLOGY]: "4x4" },
        taints: [...common.taints, { key: TPU_RESOURCE, value: "present", effect: "NoSchedule" }],
        capacity: { cpu: "112", memory: "192Gi", pods: "110", "ephemeral-storage": "100Gi", [TPU_RESOURCE]: "4" },
        accelerator: { kind: "tpu", type: "tpu-v5-lite-podslice", topology: "4x4", perNode: 4 },
      };
}

/** A replacement VM for a reclaimed one: same pool, a new name (GKE recreates spot VMs under new names). */
function replacementNode(pool: NodePool, index: number): V1Node {
  const node = nodesFor({ ...pool, nodeCount: index + 1 })[index]!;
  return node;
}

function envOf(pod: V1Pod): Record<string, string> {
  return Object.fromEntries(
    (pod.spec!.containers[0]!.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
  );
}

let ns: TestNamespace;
let deps: ReturnType<typeof testDeps>;
let core: CoreV1Api;
const created: string[] = [];

beforeAll(async () => {
  ns = await createTestNamespace("resume");
  deps = testDeps({ namespaces: [ns.name], config: { outputDirBase: "gs://kinetic-test-outputs/runs" } });
  core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await Promise.allSettled(created.map((name) => core.deleteNode({ name })));
  await ns?.cleanup();
});

async function addNodes(nodes: V1Node[]) {
  for (const node of nodes) {
    await core.createNode({ body: node });
    created.push(node.metadata!.name!);
  }
  await waitFor(
    async () => {
      const ready = await Promise.all(
        nodes.map(async (n) =>
          (await core.readNode({ name: n.metadata!.name! })).status?.conditions?.some(
            (c) => c.type === "Ready" && c.status === "True",
          ),
        ),
      );
      return ready.every(Boolean) || undefined;
    },
    { timeoutMs: 30_000, description: "test nodes Ready" },
  );
}

async function runningPods(selector: string, count: number): Promise<V1Pod[]> {
  return waitFor(
    async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns.name, labelSelector: selector })).items;
      const live = pods.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
      return live.length === count ? live : undefined;
    },
    { timeoutMs: 60_000, description: `${count} running pods (${selector})` },
  );
}

const specFor = (id: string, pool: string, extra: Record<string, unknown>) => ({
  id,
  namespace: ns.name,
  command: ["python", "train.py"],
  spot: true,
  computePool: pool,
  tolerations: [{ key: TAINT_KEY, operator: "Equal", value: pool, effect: "NoSchedule" }],
  ...extra,
});

// Attempt 1 must outlive the node-loss detection (pod GC: about 40-60 s); attempt 2 then ends at once.
const finishAt = () => new Date(Date.now() + 80_000).toISOString();

describe("resume of a Job after spot preemption (testbed)", () => {
  it("a spot node deleted under a running job: attempt 2 with the same checkpoint dir, SUCCEEDED with 2 attempts", async () => {
    const pool = spotPool(uniqueId("spot"), "cpu", 1);
    await addNodes(nodesFor(pool));
    const id = uniqueId("resume");
    const key = { namespace: ns.name, id };
    await submitJob(deps, {
      spec: specFor(id, pool.name, { annotations: { [TEST_ANNOTATIONS.runFor]: finishAt() } }),
      principal: "tester",
      source: "test",
    });
    const first = (await deps.store.get(key))!;
    const [pod1] = await runningPods(`batch.kubernetes.io/job-name=${first.workload!.name}`, 1);
    const env1 = envOf(pod1!);
    expect(env1.KINETIC_ATTEMPT).toBe("1");
    expect(env1.KINETIC_CHECKPOINT_DIR).toBe(`gs://kinetic-test-outputs/runs/${ns.name}/${id}/checkpoints/`);

    // The spot VM is reclaimed; GKE brings up a replacement under a new name.
    await core.deleteNode({ name: pod1!.spec!.nodeName! });
    await addNodes([replacementNode(pool, 1)]);

    const resumed = await syncUntil(deps, key, (j) => (j.attempt ?? 1) >= 2 || j.state === "FAILED", 180_000);
    expect(resumed.state).not.toBe("FAILED");
    expect(resumed.attempts![0]).toMatchObject({ attempt: 1, outcome: "Disrupted", reason: "BackoffLimitExceeded" });
    const [pod2] = await runningPods(`batch.kubernetes.io/job-name=${resumed.workload!.name}`, 1).catch(async () => {
      // Attempt 2 may already have finished: read it whatever its phase.
      return (
        await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: `batch.kubernetes.io/job-name=${resumed.workload!.name}`,
        })
      ).items;
    });
    const env2 = envOf(pod2!);
    expect(env2.KINETIC_ATTEMPT).toBe("2");
    expect(env2.KINETIC_CHECKPOINT_DIR).toBe(env1.KINETIC_CHECKPOINT_DIR);
    expect(env2.KINETIC_OUTPUT_DIR).toBe(env1.KINETIC_OUTPUT_DIR);

    const done = await syncUntil(deps, key, ["SUCCEEDED", "FAILED"], 180_000);
    expect(done.state).toBe("SUCCEEDED");
    expect(done.attempts!.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "Disrupted"],
      [2, "Succeeded"],
    ]);
    expect(done.attempts!.every((a) => a.createdAt && a.endedAt)).toBe(true);
  }, 360_000);

  it("a program exit of 1 on a spot node fails after one attempt: never retried", async () => {
    const pool = spotPool(uniqueId("spot-exit"), "cpu", 1);
    await addNodes(nodesFor(pool));
    const id = uniqueId("exit1");
    const key = { namespace: ns.name, id };
    await submitJob(deps, {
      spec: specFor(id, pool.name, {
        annotations: { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "1" },
      }),
      principal: "tester",
      source: "test",
    });
    const done = await syncUntil(deps, key, ["SUCCEEDED", "FAILED"], 120_000);
    expect(done).toMatchObject({ state: "FAILED", exitCode: 1, reason: "PodFailurePolicy" });
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts![0]).toMatchObject({ attempt: 1, outcome: "Failed" });
  }, 180_000);
});

describe("resume of a 4-host TPU slice after spot preemption (testbed)", () => {
  requireAddon("jobset");
  it("a node of a 4-host TPU slice deleted: the whole slice restarts as attempt 2, SUCCEEDED with 2 attempts", async () => {
    const pool = spotPool(uniqueId("spot-tpu"), "tpu", 4);
    await addNodes(nodesFor(pool));
    const id = uniqueId("slice");
    const key = { namespace: ns.name, id };
    await submitJob(deps, {
      spec: specFor(id, pool.name, {
        accelerator: "tpu-v5litepod-16",
        annotations: { [TEST_ANNOTATIONS.runFor]: finishAt() },
      }),
      principal: "tester",
      source: "test",
    });
    const first = (await deps.store.get(key))!;
    expect(first.workload!.kind).toBe("JobSet");
    const pods1 = await runningPods(`jobset.sigs.k8s.io/jobset-name=${first.workload!.name}`, 4);
    const dir = envOf(pods1[0]!).KINETIC_CHECKPOINT_DIR;
    expect(pods1.map((p) => envOf(p).KINETIC_ATTEMPT)).toEqual(["1", "1", "1", "1"]);

    await core.deleteNode({ name: pods1[2]!.spec!.nodeName! });
    await addNodes([replacementNode(pool, 4)]);

    const resumed = await syncUntil(deps, key, (j) => (j.attempt ?? 1) >= 2 || j.state === "FAILED", 180_000);
    expect(resumed.state).not.toBe("FAILED");
    expect(resumed.workload!.kind).toBe("JobSet");
    expect(resumed.attempts![0]).toMatchObject({ outcome: "Disrupted", reason: "ReachedMaxRestarts" });
    const pods2 = await waitFor(
      async () => {
        const pods = (
          await core.listNamespacedPod({
            namespace: ns.name,
            labelSelector: `jobset.sigs.k8s.io/jobset-name=${resumed.workload!.name}`,
          })
        ).items;
        return pods.length === 4 ? pods : undefined;
      },
      { timeoutMs: 60_000, description: "attempt 2's four pods" },
    );
    for (const p of pods2) {
      expect(envOf(p).KINETIC_ATTEMPT).toBe("2");
      expect(envOf(p).KINETIC_CHECKPOINT_DIR).toBe(dir);
    }

    const done = await syncUntil(deps, key, ["SUCCEEDED", "FAILED"], 180_000);
    expect(done.state).toBe("SUCCEEDED");
    expect(done.attempts!.map((a) => a.outcome)).toEqual(["Disrupted", "Succeeded"]);
  }, 420_000);
});
