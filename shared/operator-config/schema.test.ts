import { describe, expect, it } from "vitest";
import { DEFAULT_OPERATOR_CONFIG, durationMs, validateOperatorConfig } from "./schema.ts";

describe("operator config schema", () => {
  it("has Kaiwo's defaults, adapted to GKE", () => {
    expect(DEFAULT_OPERATOR_CONFIG).toEqual({
      ray: { defaultRayImage: "rayproject/ray:latest-gpu", headPodMemory: "16Gi" },
      data: { defaultDataMountPath: "/workload", defaultHfMountPath: "/hf_cache" },
      nodes: {
        defaultGpuResourceKey: "nvidia.com/gpu",
        defaultGpuTaintKey: "nvidia.com/gpu",
        excludeMasterNodesFromNodePools: false,
        addTaintsToGpuNodes: false,
      },
      scheduling: { kubeSchedulerName: "default-scheduler", pendingThresholdForPreemption: "5m" },
      resourceMonitoring: {
        lowUtilizationThreshold: 1,
        targetNamespaces: [],
        profile: "gpu",
        terminateUnderutilized: false,
        terminateUnderutilizedAfter: "24h",
        warmUp: "10m",
        window: "10m",
      },
      defaultClusterQueueName: "kinetic",
      defaultClusterQueueCohortName: "kinetic",
      dynamicallyUpdateDefaultClusterQueue: false,
    });
  });

  it.each(["30s", "5m", "1h30m", "24h", "0s"])("accepts the duration %s", (d) => {
    expect(validateOperatorConfig({ scheduling: { pendingThresholdForPreemption: d } }).ok).toBe(true);
  });

  it.each(["5", "1d", "5 m", "1.5h", "", "m5", "-5m"])("refuses the duration %j, naming the field", (d) => {
    const r = validateOperatorConfig({ resourceMonitoring: { terminateUnderutilizedAfter: d } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.field)).toEqual(["resourceMonitoring.terminateUnderutilizedAfter"]);
  });

  it("keeps thresholds at or above their minimum (0) and percentages at most 100", () => {
    expect(validateOperatorConfig({ resourceMonitoring: { lowUtilizationThreshold: 0 } }).ok).toBe(true);
    for (const bad of [-0.1, 100.5, "5"]) {
      const r = validateOperatorConfig({ resourceMonitoring: { lowUtilizationThreshold: bad } });
      expect(r.ok, String(bad)).toBe(false);
    }
  });

  it("refuses unknown fields and wrong types with one issue each, all at once", () => {
    const r = validateOperatorConfig({
      ray: { defaultRayImage: "has spaces in it" },
      data: { defaultDataMountPath: "relative/path" },
      nodes: { defaultGpuResourceKey: "not a key!" },
      resourceMonitoring: { profile: "cpu", targetNamespaces: ["Bad_NS"] },
      dynamicallyUpdateDefaultClusterQueue: "yes",
      storage: {},
    });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues.map((i) => i.field).sort()).toEqual([
        "data.defaultDataMountPath",
        "dynamicallyUpdateDefaultClusterQueue",
        "nodes.defaultGpuResourceKey",
        "ray.defaultRayImage",
        "resourceMonitoring.profile",
        "resourceMonitoring.targetNamespaces.0",
        "storage",
      ]);
  });

  it("converts durations to milliseconds", () => {
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(() => durationMs("1d")).toThrow(/malformed/);
  });
});
