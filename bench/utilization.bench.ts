/**
 * checkUtilization's cost against the running set and history, on real
 * parts: the Firestore emulator and a real Prometheus scraping a fake
 * exporter of 1,000 running GPU jobs × 8 GPUs (8,000 series), 10% of them
 * idle. It prints, per run, wall time, PromQL queries and Firestore reads and
 * writes per running job: a first run (the idle jobs' streaks flip: one
 * write each), steady runs (no writes), and steady runs again after 10,000
 * finished jobs are added (must be unchanged). The floor, in the same run:
 * one bare PromQL query and one bare Firestore read. The emulator scans the
 * whole collection for a query (Firestore serves it from the index), so the
 * listing time grows with history here while reads and writes do not.
 *
 * Run: npm run bench -- utilization
 */
import { performance } from "node:perf_hooks";
import { Firestore, type BulkWriter } from "@google-cloud/firestore";
import { RecordingBus } from "../shared/bus/event-bus.ts";
import { systemClock } from "../shared/clock.ts";
import { MemoryCluster } from "../shared/cluster/memory-cluster.ts";
import type { Deps } from "../shared/deps.ts";
import { createLogger } from "../shared/log.ts";
import { loadRuntimeConfig } from "../shared/runtime-config.ts";
import { createAuthenticator } from "../shared/security/auth.ts";
import { FirestoreDocs } from "../shared/store/firestore-docs.ts";
import { JOBS } from "../shared/store/job-store.ts";
import { createStores } from "../shared/stores.ts";
import { utilizationDeps } from "../shared/utilization/deps.ts";
import { PromQlHttpSource } from "../shared/utilization/metrics.ts";
import { runUtilizationCheck } from "../shared/utilization/run.ts";
import type { UtilizationRunSummary } from "../shared/utilization/types.ts";
import { startPrometheus } from "../testbed/prometheus/prometheus.ts";
import { FakeAcceleratorExporter } from "../testbed/prometheus/fake-accelerator-exporter.ts";
import { percentile, startBenchEnv } from "./lib.ts";

const RUNNING = 1_000;
const GPUS = 8;
const IDLE_SHARE = 0.1;
const HISTORY = 10_000;
const STEADY_RUNS = 5;
const NS = "bench";
const quiet = createLogger({}, () => undefined);

function seedRunning(writer: BulkWriter, db: Firestore, exporter: FakeAcceleratorExporter): void {
  const started = new Date(Date.now() - 3_600_000).toISOString();
  for (let i = 0; i < RUNNING; i++) {
    const id = `gpu-${String(i).padStart(4, "0")}`;
    const workload = `kjob-${id}`;
    void writer.create(db.collection(JOBS).doc(`${NS}:${id}`), {
      id,
      namespace: NS,
      state: "RUNNING",
      active: true,
      accelerator: "nvidia-h100-80gb",
      spec: { accelerator: "nvidia-h100-80gb", gpus: GPUS, workers: 1, namespace: NS },
      workload: { kind: "Job", name: workload, namespace: NS },
      createdAt: started,
      updatedAt: started,
      startedAt: started,
      events: [],
    });
    const idle = i < RUNNING * IDLE_SHARE;
    // Busy jobs have one working GPU of eight; idle ones none.
    exporter.setGpuPod(
      NS,
      `${workload}-x7k2p`,
      Array.from({ length: GPUS }, (_, g) => (idle || g !== 3 ? 0 : 70)),
    );
  }
}

function seedHistory(writer: BulkWriter, db: Firestore): void {
  const at = new Date(Date.now() - 86_400_000).toISOString();
  for (let i = 0; i < HISTORY; i++) {
    const id = `done-${i}`;
    void writer.create(db.collection(JOBS).doc(`${NS}:${id}`), {
      id,
      namespace: NS,
      state: i % 3 ? "SUCCEEDED" : "FAILED",
      active: false,
      accelerator: "nvidia-h100-80gb",
      spec: { accelerator: "nvidia-h100-80gb", gpus: GPUS, workers: 1, namespace: NS },
      workload: { kind: "Job", name: `kjob-${id}`, namespace: NS },
      createdAt: at,
      updatedAt: at,
      finishedAt: at,
      events: [],
    });
  }
}

function line(label: string, s: UtilizationRunSummary, ms: number): string {
  const per = (n: number) => (n / RUNNING).toFixed(3);
  const c = s.counts;
  return (
    `${label.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms  promql=${s.queries}  reads/job=${per(s.cost.reads)}  ` +
    `writes/job=${per(s.cost.writes)}  (reads=${s.cost.reads} writes=${s.cost.writes})  ` +
    `checked=${c.checked} busy=${c.busy} idle=${c.idle} unknown=${c.unknown} flipped=${c.flippedLow}`
  );
}

async function main(): Promise<void> {
  const env = await startBenchEnv({ cluster: false });
  const exporter = new FakeAcceleratorExporter();
  const target = await exporter.start();
  const prometheus = await startPrometheus({ targets: [target], scrapeIntervalSeconds: 1 });
  try {
    const db = new Firestore({ projectId: "bench-utilization" });
    const writer = db.bulkWriter();
    seedRunning(writer, db, exporter);
    await writer.close();
    await prometheus.waitForTargets(60_000);
    const docs = new FirestoreDocs(db);
    const deps: Deps = {
      ...createStores(docs, { clock: systemClock }),
      cluster: new MemoryCluster(),
      bus: new RecordingBus(),
      config: loadRuntimeConfig({}),
      clock: systemClock,
      log: quiet,
      auth: createAuthenticator({ staticTokens: [], allowedEmails: [] }),
    };
    const { revision } = await deps.operatorConfig.read();
    await deps.operatorConfig.write(
      { resourceMonitoring: { window: "10s", warmUp: "1m", lowUtilizationThreshold: 5 } },
      { by: "bench", ifRevision: revision },
    );
    const metrics = new PromQlHttpSource({ baseUrl: prometheus.url });
    // Where a run's time goes: the PromQL query and the store's listing of the running jobs.
    const spent = { promql: 0, listing: 0 };
    const timed =
      <A extends unknown[], R>(key: keyof typeof spent, fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        const t = performance.now();
        try {
          return await fn(...a);
        } finally {
          spent[key] += performance.now() - t;
        }
      };
    const base = utilizationDeps(deps, {
      metrics: { query: timed("promql", (e: string, at: Date) => metrics.query(e, at)) },
      env: { enabled: true, metricsEndpoint: prometheus.url, pollingInterval: "1s", pollingIntervalMs: 1000 },
    });
    const jobs = deps.acceleratorJobs;
    const udeps = {
      ...base,
      acceleratorJobs: {
        listInState: timed("listing", jobs.listInState.bind(jobs)),
        listStopPending: jobs.listStopPending.bind(jobs),
        flipStreak: jobs.flipStreak.bind(jobs),
      },
    };
    console.log(
      `== checkUtilization: ${RUNNING} running GPU jobs × ${GPUS} GPUs (${RUNNING * GPUS} series, ${IDLE_SHARE * 100}% idle)`,
    );
    console.log("   waiting 12 s for a full 10 s window of 1 s samples …");
    await new Promise((r) => setTimeout(r, 12_000));

    const run = async (label: string) => {
      spent.promql = spent.listing = 0;
      const t = performance.now();
      const s = await runUtilizationCheck(udeps, { trigger: "bench" });
      const ms = performance.now() - t;
      if (s.status !== "completed") throw new Error(`${label}: run ended ${s.status}: ${s.message ?? s.metricsError}`);
      return { s, ms, promql: spent.promql, listing: spent.listing };
    };
    const first = await run("first");
    console.log(line("first run (streaks flip)", first.s, first.ms));
    const p50 = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      );
    const steady = async (label: string) => {
      const runs = [];
      for (let i = 0; i < STEADY_RUNS; i++) runs.push(await run(label));
      const ms = p50(runs.map((r) => r.ms));
      console.log(line(`${label} (p50 of ${STEADY_RUNS})`, runs.at(-1)!.s, ms));
      console.log(
        `${"".padEnd(26)} of which: PromQL query p50 ${p50(runs.map((r) => r.promql)).toFixed(0)} ms, ` +
          `listing the running jobs p50 ${p50(runs.map((r) => r.listing)).toFixed(0)} ms`,
      );
      return { s: runs.at(-1)!.s, p50: ms };
    };
    const before = await steady("steady");

    const hist = db.bulkWriter();
    seedHistory(hist, db);
    await hist.close();
    const after = await steady(`steady +${HISTORY} finished`);

    // The floor: one bare PromQL query and one bare Firestore read, now, against the same servers.
    const promMs: number[] = [];
    const readMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      await metrics.query("up", new Date());
      promMs.push(performance.now() - t);
      t = performance.now();
      await docs.get(JOBS, `${NS}:gpu-0000`);
      readMs.push(performance.now() - t);
    }
    const promFloor = percentile(
      [...promMs].sort((a, b) => a - b),
      50,
    );
    const readFloor = percentile(
      [...readMs].sort((a, b) => a - b),
      50,
    );
    console.log(
      `floor: bare PromQL query p50 ${promFloor.toFixed(1)} ms; bare Firestore read p50 ${readFloor.toFixed(1)} ms`,
    );
    console.log(
      `steady run = ${(before.p50 / promFloor).toFixed(0)}× a bare PromQL query = ${(before.p50 / readFloor).toFixed(0)}× a bare Firestore read ` +
        `(${(before.p50 / RUNNING / readFloor).toFixed(2)}× a read per running job)`,
    );
    const same =
      after.s.cost.reads === before.s.cost.reads &&
      after.s.cost.writes === before.s.cost.writes &&
      after.s.queries === before.s.queries;
    console.log(
      same
        ? `reads, writes and PromQL queries per run are the same with ${HISTORY} finished jobs added`
        : "WARNING: the cost changed with history",
    );
    if (!same || first.s.queries !== 1) process.exitCode = 1;
  } finally {
    await Promise.allSettled([prometheus.stop(), exporter.stop()]);
    await env.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
