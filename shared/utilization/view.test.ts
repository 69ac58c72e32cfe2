// The utilization view: running accelerator jobs of the caller's namespaces with their streaks, per-device readings
// mapped to jobs from a PromQL answer, recent preemptions/terminations filtered by namespace, metrics failures kept
// to a message, and the query text (one per family, per device, sparkline buckets).
import { describe, expect, it } from "vitest";
import { memoryDeps, type MemoryDeps } from "../testing.ts";
import { JOBS, jobKey } from "../store/job-store.ts";
import { utilizationDeps } from "./deps.ts";
import { bucketCount, deviceQuery, readDevices } from "./device-readings.ts";
import { FAMILIES } from "./families.ts";
import { PromQlHttpSource, type MetricsSource, type VectorSample } from "./metrics.ts";
import { emptyUtilizationCounts, type UtilizationRunSummary } from "./types.ts";
import { utilizationView, visibleIn } from "./view.ts";

const GPU = FAMILIES.find((f) => f.kind === "gpu")!;
const ENV = { enabled: true, metricsEndpoint: "http://127.0.0.1:1", pollingInterval: "1m", pollingIntervalMs: 60_000 };

async function running(deps: MemoryDeps, namespace: string, id: string, extra: Record<string, unknown> = {}) {
  await deps.docs.set(JOBS, jobKey({ namespace, id }), {
    id,
    namespace,
    state: "RUNNING",
    accelerator: "nvidia-l4",
    spec: { accelerator: "nvidia-l4", gpus: 2 },
    startedAt: "2026-03-01T00:00:00.000Z",
    createdAt: "2026-03-01T00:00:00.000Z",
    updatedAt: "2026-03-01T00:00:00.000Z",
    workload: { kind: "Job", namespace, name: `w-${id}` },
    events: [],
    ...extra,
  });
}

function runRecord(runId: string, startedAt: string, items: UtilizationRunSummary["items"]): UtilizationRunSummary {
  return {
    runId,
    status: "completed",
    trigger: "schedule",
    startedAt,
    finishedAt: startedAt,
    settings: {} as UtilizationRunSummary["settings"],
    counts: emptyUtilizationCounts(),
    queries: 1,
    items,
    cost: { reads: 0, writes: 0 },
  };
}

/** A PromQL answer as Prometheus gives it for deviceQuery: one sample per (pod, device, stat). */
function answer(ns: string, pod: string, gpu: string, stats: Record<string, number>): VectorSample[] {
  return Object.entries(stats).map(([stat, value]) => ({
    labels: { namespace: ns, pod, gpu, kinetic_stat: stat },
    value,
  }));
}

describe("deviceQuery and readDevices", () => {
  it("asks once per family for latest, mean, peak and the window's buckets per device, with exported labels winning", () => {
    const q = deviceQuery(GPU, 60_000, 10_000);
    expect(bucketCount(60_000, 10_000)).toBe(6);
    expect(q).toContain("max by (namespace, pod, gpu) (");
    expect(q).toContain(
      'label_replace(last_over_time(DCGM_FI_DEV_GPU_UTIL[60s]), "pod", "$1", "exported_pod", "(.+)")',
    );
    expect(q).toContain("avg_over_time(DCGM_FI_DEV_GPU_UTIL[10s] offset 50s)");
    expect(q.match(/kinetic_stat", "b[0-9]+"/g)).toHaveLength(6);
    // Never more than 12 points, never buckets shorter than a sample.
    expect(bucketCount(3_600_000, 1000)).toBe(12);
    expect(bucketCount(500, 1000)).toBe(1);
  });

  it("reads one row per device, buckets in order, skipping series without a pod", () => {
    const rows = readDevices(
      GPU,
      [
        ...answer("ns", "p-0", "1", { latest: 10, mean: 12.345, peak: 20, b1: 11, b0: 13 }),
        ...answer("ns", "p-0", "0", { latest: 90, peak: 95 }),
        { labels: { gpu: "0", kinetic_stat: "peak" }, value: 50 },
      ],
      3,
    );
    expect(rows).toEqual([
      { family: GPU.name, namespace: "ns", pod: "p-0", device: "0", latest: 90, peak: 95, points: [null, null, null] },
      {
        family: GPU.name,
        namespace: "ns",
        pod: "p-0",
        device: "1",
        latest: 10,
        mean: 12.3,
        peak: 20,
        points: [13, 11, null],
      },
    ]);
  });
});

describe("utilizationView", () => {
  it("shows the caller's running accelerator jobs with streaks and their devices' readings, and only their events", async () => {
    const deps = memoryDeps({ namespaces: ["*"], now: "2026-03-01T01:00:00Z" });
    await running(deps, "team-a", "busy");
    await running(deps, "team-a", "idle", { lowUtilizationSince: "2026-03-01T00:50:00.000Z" });
    await running(deps, "team-b", "other");
    await running(deps, "team-a", "cpu", { accelerator: "cpu", spec: {} });
    await deps.docs.set(JOBS, jobKey({ namespace: "team-a", id: "done" }), {
      id: "done",
      namespace: "team-a",
      state: "SUCCEEDED",
      accelerator: "nvidia-l4",
      spec: { accelerator: "nvidia-l4" },
    });
    await deps.utilizationRuns.put(
      runRecord("r1", "2026-03-01T00:58:00.000Z", [
        { action: "terminated", namespace: "team-a", jobId: "old", reason: "idle" },
        { action: "preempted", namespace: "team-b", jobId: "theirs", reason: "for a waiting job" },
        { action: "flipped-low", namespace: "team-a", jobId: "idle", reason: "low" },
      ]),
    );
    const queries: string[] = [];
    // FAKE: Prometheus's answer as recorded (the real one is read in test/integration/dashboard-ops.test.ts).
    const metrics: MetricsSource = {
      async query(expr) {
        queries.push(expr);
        return [
          ...answer("team-a", "w-busy-0-abcde", "0", { latest: 80, mean: 70, peak: 99 }),
          ...answer("team-a", "w-busy-0-abcde", "1", { latest: 60, mean: 50, peak: 75 }),
          ...answer("team-a", "w-idle-0-fghij", "0", { latest: 0, mean: 0, peak: 1 }),
          ...answer("team-b", "w-other-0-klmno", "0", { latest: 42, mean: 42, peak: 42 }),
          ...answer("team-a", "someone-else-0", "0", { latest: 5, mean: 5, peak: 5 }),
        ];
      },
    };
    const view = await utilizationView(utilizationDeps(deps, { metrics, env: ENV }), visibleIn(["team-a"]));
    expect(queries).toHaveLength(1);
    expect(view.metrics).toEqual({ status: "ok", queries: 1 });
    expect(view.jobs.map((j) => j.id)).toEqual(["busy", "idle"]);
    const [busy, idle] = view.jobs;
    expect(busy).toMatchObject({ accelerator: "nvidia-l4", kind: "gpu", pods: 1, devices: 2, inScope: true });
    expect(busy!.readings.map((r) => [r.device, r.latest, r.peak])).toEqual([
      ["0", 80, 99],
      ["1", 60, 75],
    ]);
    expect(busy).not.toHaveProperty("lowUtilizationSince");
    expect(idle).toMatchObject({ lowUtilizationSince: "2026-03-01T00:50:00.000Z", idleForMs: 600_000 });
    expect(view.events).toEqual([
      {
        action: "terminated",
        namespace: "team-a",
        jobId: "old",
        reason: "idle",
        runId: "r1",
        at: "2026-03-01T00:58:00.000Z",
      },
    ]);
    expect(view.lastRun).toMatchObject({ runId: "r1", status: "completed" });
  });

  it("keeps jobs and streaks when the metrics endpoint is unreachable, and says so", async () => {
    const deps = memoryDeps({ namespaces: ["*"], now: "2026-03-01T01:00:00Z" });
    await running(deps, "team-a", "idle", { lowUtilizationSince: "2026-03-01T00:59:00.000Z" });
    const unreachable = new PromQlHttpSource({ baseUrl: "http://127.0.0.1:1", timeoutMs: 2000 });
    const view = await utilizationView(utilizationDeps(deps, { metrics: unreachable, env: ENV }), visibleIn(["*"]));
    expect(view.metrics).toMatchObject({ status: "unavailable", message: expect.stringContaining("127.0.0.1:1") });
    expect(view.jobs).toMatchObject([{ id: "idle", idleForMs: 60_000, readings: [] }]);
  });

  it("reads no metrics when monitoring is off, and none when no job is shown", async () => {
    const deps = memoryDeps({ namespaces: ["*"] });
    await running(deps, "team-a", "a");
    let asked = 0;
    const metrics: MetricsSource = { query: async () => (asked++, []) };
    const off = await utilizationView(
      utilizationDeps(deps, { metrics, env: { ...ENV, enabled: false } }),
      visibleIn(["*"]),
    );
    expect(off.metrics).toMatchObject({ status: "off" });
    expect(off.jobs).toHaveLength(1);
    const none = await utilizationView(utilizationDeps(deps, { metrics, env: ENV }), visibleIn(["team-z"]));
    expect([none.jobs, none.metrics, asked]).toEqual([[], { status: "ok", queries: 0 }, 0]);
  });

  it("narrows to one namespace when asked, within the caller's patterns", () => {
    expect(visibleIn(["team-*"])("team-x")).toBe(true);
    expect(visibleIn(["team-*"], "team-x")("team-y")).toBe(false);
    expect(visibleIn(["team-a"])("default")).toBe(false);
  });
});
