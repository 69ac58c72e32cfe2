import { describe, expect, it } from "vitest";
import { DEFAULT_OPERATOR_CONFIG, resolveOperatorConfig } from "../operator-config/schema.ts";
import { defaultLocalQueue, formatQuota, planDefaultQueue, type NodeInfo } from "./default-queue.ts";

const node = (
  name: string,
  pool: string,
  labels: Record<string, string>,
  allocatable: Record<string, string>,
  more: Partial<NodeInfo> = {},
): NodeInfo => ({
  name,
  labels: { "cloud.google.com/gke-nodepool": pool, ...labels },
  allocatable,
  unschedulable: false,
  ready: true,
  ...more,
});
const L4 = { "cloud.google.com/gke-accelerator": "nvidia-l4" };
const V6E = { "cloud.google.com/gke-tpu-accelerator": "tpu-v6e-slice", "cloud.google.com/gke-tpu-topology": "2x4" };

describe("the default ClusterQueue from the live nodes", () => {
  const nodes = [
    node("l4-0", "l4-pool", L4, { cpu: "95500m", memory: "384Gi", "nvidia.com/gpu": "8", pods: "110" }),
    node("l4-1", "l4-pool", L4, { cpu: "96", memory: "384Gi", "nvidia.com/gpu": "8" }),
    node("cpu-0", "cpu-pool", {}, { cpu: "8", memory: "32Gi" }),
    node("tpu-0", "v6e-pool", V6E, { cpu: "180", memory: "720Gi", "google.com/tpu": "8" }),
    node("l4-cordoned", "l4-pool", L4, { cpu: "96", memory: "384Gi", "nvidia.com/gpu": "8" }, { unschedulable: true }),
    node("l4-notready", "l4-pool", L4, { cpu: "96", memory: "384Gi", "nvidia.com/gpu": "8" }, { ready: false }),
  ];

  it("sums allocatable per pool over ready, schedulable nodes, CPU pools first", () => {
    const plan = planDefaultQueue(DEFAULT_OPERATOR_CONFIG, nodes);
    expect(plan.coveredResources).toEqual(["cpu", "memory", "google.com/tpu", "nvidia.com/gpu"]);
    expect(plan.pools.map((p) => [p.flavor, p.nodes, p.quotas])).toEqual([
      ["cpu-pool", 1, { cpu: "8", memory: "32Gi", "google.com/tpu": "0", "nvidia.com/gpu": "0" }],
      ["l4-pool", 2, { cpu: "191500m", memory: "768Gi", "google.com/tpu": "0", "nvidia.com/gpu": "16" }],
      ["v6e-pool", 1, { cpu: "180", memory: "720Gi", "google.com/tpu": "8", "nvidia.com/gpu": "0" }],
    ]);
  });

  it("names the ClusterQueue and its cohort from the config; flavors select by accelerator, never by pool name alone", () => {
    const config = resolveOperatorConfig({
      defaultClusterQueueName: "team-pool",
      defaultClusterQueueCohortName: "org",
    });
    const plan = planDefaultQueue(config, nodes);
    expect(plan.clusterQueue.metadata.name).toBe("team-pool");
    expect(plan.clusterQueue.spec).toMatchObject({ cohortName: "org", namespaceSelector: {} });
    expect(Object.fromEntries(plan.flavors.map((f) => [f.metadata.name, f.spec?.nodeLabels]))).toEqual({
      "cpu-pool": { "cloud.google.com/gke-nodepool": "cpu-pool" },
      "l4-pool": L4,
      "v6e-pool": V6E,
    });
    expect(defaultLocalQueue(config, "ml")).toMatchObject({
      kind: "LocalQueue",
      metadata: { name: "team-pool", namespace: "ml" },
      spec: { clusterQueue: "team-pool" },
    });
    expect(plan.priorityClasses.map((p) => [p.metadata.name, p.value])).toEqual([
      ["kinetic-low", 100],
      ["kinetic-normal", 1000],
      ["kinetic-high", 10000],
    ]);
  });

  it.each([
    ["memory", 64 * 2 ** 30, "64Gi"],
    ["memory", 1536 * 2 ** 20, "1536Mi"],
    ["memory", 2 ** 40, "1Ti"],
    ["memory", 100, "0"],
    ["cpu", 95.5, "95500m"],
    ["cpu", 2000, "2k"],
    ["cpu", 1500, "1500"],
    ["nvidia.com/gpu", 16, "16"],
    ["nvidia.com/gpu", 0, "0"],
  ] as const)("writes %s %d as the API server would store it: %s", (resource, value, want) => {
    expect(formatQuota(resource, value)).toBe(want);
  });

  it("is the same plan for the same nodes (stable strings, so re-applying is a no-op)", () => {
    expect(planDefaultQueue(DEFAULT_OPERATOR_CONFIG, [...nodes].reverse())).toEqual(
      planDefaultQueue(DEFAULT_OPERATOR_CONFIG, nodes),
    );
  });

  it("leaves control-plane nodes out when excludeMasterNodesFromNodePools is set", () => {
    const cp = node("cp", "cpu-pool", { "node-role.kubernetes.io/control-plane": "" }, { cpu: "4", memory: "16Gi" });
    const keep = planDefaultQueue(DEFAULT_OPERATOR_CONFIG, [cp]).pools[0]?.nodes;
    const config = resolveOperatorConfig({ nodes: { excludeMasterNodesFromNodePools: true } });
    expect(keep).toBe(1);
    expect(planDefaultQueue(config, [cp]).pools).toEqual([]);
  });
});
