import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { assignmentsToPatch, mergePatch, parseValue } from "./patch.ts";

describe("config patches", () => {
  it("turns key.path=value pairs into a nested patch, values as JSON when they parse", () => {
    expect(
      assignmentsToPatch([
        "resourceMonitoring.terminateUnderutilized=true",
        "resourceMonitoring.lowUtilizationThreshold=2.5",
        'resourceMonitoring.targetNamespaces=["a","b"]',
        "scheduling.pendingThresholdForPreemption=5m",
        "nodes.defaultGpuResourceKey=nvidia.com/gpu",
        "data.defaultStorageClass=null",
      ]),
    ).toEqual({
      resourceMonitoring: { terminateUnderutilized: true, lowUtilizationThreshold: 2.5, targetNamespaces: ["a", "b"] },
      scheduling: { pendingThresholdForPreemption: "5m" },
      nodes: { defaultGpuResourceKey: "nvidia.com/gpu" },
      data: { defaultStorageClass: null },
    });
    expect(parseValue("a=b")).toBe("a=b");
  });

  it.each(["noequals", "=x", "a..b=1", "a.=1", "1a=2"])("refuses the malformed pair %j", (pair) => {
    expect(() => assignmentsToPatch([pair])).toThrow(KineticError);
  });

  it("merges like RFC 7386: objects merge, null removes, an emptied section disappears", () => {
    const base = {
      ray: { headPodMemory: "8Gi" },
      scheduling: { kubeSchedulerName: "s", pendingThresholdForPreemption: "1m" },
    };
    expect(
      mergePatch(base, { ray: { headPodMemory: null }, scheduling: { kubeSchedulerName: null }, data: { x: 1 } }),
    ).toEqual({ scheduling: { pendingThresholdForPreemption: "1m" }, data: { x: 1 } });
    expect(base.ray.headPodMemory).toBe("8Gi"); // inputs untouched
  });
});
