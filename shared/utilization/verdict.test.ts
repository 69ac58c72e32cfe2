// A job's verdict over all its pods and devices: any busy device → busy; idle needs a full window after warm-up.
import { describe, expect, it } from "vitest";
import type { JobDoc } from "../store/job-store.ts";
import { FAMILIES, familyQuery, readFamily } from "./families.ts";
import { acceleratorShape } from "./job-shape.ts";
import type { PodStats, UtilizationSettings } from "./types.ts";
import { judge } from "./verdict.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const settings: UtilizationSettings = {
  enabled: true,
  lowUtilizationThreshold: 5,
  targetNamespaces: [],
  profile: "gpu",
  terminateUnderutilized: true,
  terminateUnderutilizedAfterMs: 3_600_000,
  warmUpMs: 600_000,
  windowMs: 600_000,
  sampleIntervalMs: 60_000,
  pendingThresholdForPreemptionMs: 300_000,
};
const gpu = FAMILIES[0]!;
const shape = (gpus: number, workers = 1, startedAt = "2026-03-01T10:00:00Z") =>
  acceleratorShape({
    id: "j",
    namespace: "ns",
    state: "RUNNING",
    accelerator: "nvidia-l4",
    spec: { accelerator: "nvidia-l4", gpus, workers },
    startedAt,
  } as unknown as JobDoc)!;
const pod = (peak: number, devices: number, minSamples = 10): PodStats => ({ peak, devices, minSamples });

describe("judge", () => {
  it("calls a job busy when one device of eight is busy", () => {
    expect(judge(shape(8), new Map([[gpu, [pod(60, 8)]]]), settings, NOW)).toEqual({ kind: "busy", peak: 60 });
  });

  it("calls a job idle only when every pod reports every device for the window", () => {
    expect(judge(shape(8, 2), new Map([[gpu, [pod(0, 8), pod(0, 8)]]]), settings, NOW).kind).toBe("idle");
    expect(judge(shape(8, 2), new Map([[gpu, [pod(0, 8)]]]), settings, NOW).kind).toBe("unknown");
    expect(judge(shape(8), new Map([[gpu, [pod(0, 7)]]]), settings, NOW).kind).toBe("unknown");
    expect(judge(shape(8), new Map([[gpu, [pod(0, 8, 7)]]]), settings, NOW).kind).toBe("unknown");
    expect(judge(shape(8), new Map(), settings, NOW)).toEqual({ kind: "unknown", why: "no samples" });
  });

  it("judges nothing until warm-up and a whole window have passed since the start", () => {
    const recent = shape(1, 1, new Date(NOW.getTime() - 15 * 60_000).toISOString());
    expect(judge(recent, new Map([[gpu, [pod(0, 1)]]]), settings, NOW).kind).toBe("unknown");
    const old = shape(1, 1, new Date(NOW.getTime() - 20 * 60_000).toISOString());
    expect(judge(old, new Map([[gpu, [pod(0, 1)]]]), settings, NOW).kind).toBe("idle");
  });
});

describe("the family query and its reading", () => {
  it("is one query per family with three per-pod aggregates", () => {
    const q = familyQuery(gpu, 600_000);
    expect(q).toContain(
      "max by (namespace, pod) (label_replace(label_replace(max_over_time(DCGM_FI_DEV_GPU_UTIL[600s])",
    );
    expect(q).toContain('"pod", "$1", "exported_pod", "(.+)"');
    expect(q.match(/"kinetic_stat"/g)).toHaveLength(3);
  });

  it("counts series without a pod label and never reads them as zero", () => {
    const r = readFamily(gpu, [
      { labels: { namespace: "ns", pod: "p-1", kinetic_stat: "peak" }, value: 0 },
      { labels: { namespace: "ns", pod: "p-1", kinetic_stat: "devices" }, value: 8 },
      { labels: { namespace: "ns", pod: "p-1", kinetic_stat: "samples" }, value: 10 },
      { labels: { kinetic_stat: "devices" }, value: 3 },
      { labels: { kinetic_stat: "peak" }, value: 0 },
    ]);
    expect(r.seriesWithoutPod).toBe(3);
    expect([...r.pods]).toEqual([["ns/p-1", { peak: 0, devices: 8, minSamples: 10 }]]);
  });
});
