import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { derivePhase, type ObservedWorkload } from "./status.ts";

const pod = (phase: string, extra: Partial<V1Pod["status"]> = {}): V1Pod => ({ status: { phase, ...extra } });
const job = (o: Partial<Extract<ObservedWorkload, { exists: true }>>): ObservedWorkload => ({
  exists: true,
  kind: "Job",
  suspended: false,
  conditions: [],
  pods: [],
  ...o,
});

describe("derivePhase", () => {
  it("reports a deleted workload as Missing", () => {
    expect(derivePhase({ exists: false, pods: [] }).phase).toBe("Missing");
  });

  it("reports Complete as Succeeded with the finish time", () => {
    const s = derivePhase(
      job({
        conditions: [{ type: "Complete", status: "True", lastTransitionTime: "2026-01-01T00:00:05Z" }],
        startTime: "2026-01-01T00:00:00Z",
        pods: [pod("Succeeded")],
      }),
    );
    expect(s).toMatchObject({
      phase: "Succeeded",
      finishedAt: "2026-01-01T00:00:05.000Z",
      startedAt: "2026-01-01T00:00:00.000Z",
    });
  });

  it("reports Failed with the condition's reason and the first non-zero exit code", () => {
    const failedPod = pod("Failed", {
      containerStatuses: [
        {
          name: "main",
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 3 } },
        },
      ],
    });
    const s = derivePhase(
      job({
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "PodFailurePolicy",
            message: "Container main failed with exit code 3",
          },
        ],
        pods: [pod("Succeeded"), failedPod],
      }),
    );
    expect(s).toMatchObject({ phase: "Failed", reason: "PodFailurePolicy", exitCode: 3 });
    expect(s.message).toContain("exit code 3");
  });

  it("treats JobSet's Completed condition as success", () => {
    expect(derivePhase(job({ kind: "JobSet", conditions: [{ type: "Completed", status: "True" }] })).phase).toBe(
      "Succeeded",
    );
  });

  it("ignores conditions that are not True", () => {
    expect(derivePhase(job({ conditions: [{ type: "Failed", status: "False" }], pods: [pod("Running")] })).phase).toBe(
      "Running",
    );
  });

  it("separates unschedulable pods from queued workloads", () => {
    const unschedulable = derivePhase(
      job({
        pods: [
          pod("Pending", {
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/9 nodes are available: 2 Insufficient nvidia.com/gpu.",
              },
            ],
          }),
        ],
      }),
    );
    expect(unschedulable.pending).toMatchObject({ kind: "Unschedulable", reason: "Unschedulable" });
    expect(unschedulable.pending?.message).toContain("Insufficient nvidia.com/gpu");

    const queued = derivePhase(
      job({
        suspended: true,
        queue: {
          conditions: [
            { type: "QuotaReserved", status: "False", reason: "Pending", message: "couldn't assign flavors" },
          ],
        },
      }),
    );
    expect(queued.pending).toMatchObject({ kind: "Queued", reason: "Pending", message: "couldn't assign flavors" });
  });

  it("reports a suspended workload without a queue as Suspended", () => {
    expect(derivePhase(job({ suspended: true })).pending?.kind).toBe("Suspended");
  });

  it("counts pods by phase", () => {
    const s = derivePhase(job({ pods: [pod("Running"), pod("Running"), pod("Pending"), pod("Succeeded")] }));
    expect(s).toMatchObject({ phase: "Running", pods: { running: 2, pending: 1, succeeded: 1, failed: 0 } });
  });
});
