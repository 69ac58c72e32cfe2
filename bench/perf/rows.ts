/**
 * Measurements → table rows and the detail printed under the table: the
 * per-step breakdown of a submission, the pure CPU steps, Firestore
 * operations per submission, and what each function loads at start.
 */
import { SDK_FLOOR, type ColdStartResult, type ImportProfile } from "./coldstart.ts";
import type { LatencyResult } from "./latency.ts";
import { p, type Row } from "./report.ts";
import type { LevelResult } from "./throughput.ts";
import { STEPS } from "./timing.ts";

export const LATENCY_GOAL = 1.5;
export const THROUGHPUT_GOAL = 0.8;
export const COLD_START_GOAL = 1.5;

export function latencyRows(r: LatencyResult): Row[] {
  const n = r.ours.length;
  return [
    ...([50, 95, 99] as const).map((q): Row => ({
      figure: `submit latency p${q}: receipt → acked (n=${n})`,
      ours: p(r.ours, q),
      floor: p(r.floor, q),
      unit: "ms",
      goal: q === 50 ? { kind: "max-ratio", value: LATENCY_GOAL } : { kind: "info" },
    })),
    {
      figure: "submit latency p50: receipt → k8s object created",
      ours: p(r.oursToObject, 50),
      floor: p(r.floor, 50),
      unit: "ms",
      goal: { kind: "info" },
    },
    {
      figure: "k8s create p50: client-node ÷ one kept-alive connection",
      ours: p(r.floorKube, 50),
      floor: p(r.kubeKeepAlive, 50),
      unit: "ms",
      goal: { kind: "info" },
    },
  ];
}

export function throughputRows(levels: LevelResult[]): Row[] {
  const rows: Row[] = levels.map((l) => ({
    figure: `throughput, ${l.concurrency} concurrent deliveries (median of ${l.rounds} × ${l.jobs} jobs)`,
    ours: l.oursJobsPerS,
    floor: l.floorJobsPerS,
    unit: "jobs/s",
    goal: { kind: "min-ratio", value: THROUGHPUT_GOAL },
  }));
  const top = levels.at(-1);
  if (top) {
    rows.push({
      figure: `errors + lost jobs at ${top.concurrency} (records, k8s objects)`,
      ours: top.oursErrors + top.oursMissingRecords + top.oursMissingObjects,
      floor: 0,
      unit: "count",
      goal: { kind: "equals" },
    });
  }
  return rows;
}

export function coldStartRows(c: ColdStartResult): Row[] {
  const med = (runs: ColdStartResult["bare"]) =>
    p(
      runs.map((x) => x.firstOkMs),
      50,
    );
  const bare = med(c.bare);
  const sdk = c.functions[SDK_FLOOR.name];
  const extra: Row[] = sdk
    ? [
        {
          figure: "cold start SDK floor (FF + Firestore + k8s client, 1 create each)",
          ours: med(sdk),
          floor: bare,
          unit: "ms",
          goal: { kind: "info" },
        },
        ...(c.functions.submitJob
          ? [
              {
                figure: "cold start submitJob ÷ the SDK floor (not ÷ bare)",
                ours: med(c.functions.submitJob),
                floor: med(sdk),
                unit: "ms" as const,
                goal: { kind: "info" as const },
              },
              {
                figure: "cold start submitJob ÷ the SDK floor, CPU time",
                ours: p(
                  c.functions.submitJob.map((x) => x.cpuMs),
                  50,
                ),
                floor: p(
                  sdk.map((x) => x.cpuMs),
                  50,
                ),
                unit: "ms" as const,
                goal: { kind: "info" as const },
              },
            ]
          : []),
      ]
    : [];
  const rows: Row[] = Object.entries(c.functions)
    .filter(([name]) => name !== SDK_FLOOR.name)
    .map(([name, runs]) => ({
      figure: `cold start ${name}: spawn → first 2xx (median of ${runs.length})`,
      ours: p(
        runs.map((x) => x.firstOkMs),
        50,
      ),
      floor: bare,
      unit: "ms",
      goal: { kind: "max-ratio", value: COLD_START_GOAL },
    }));
  return [...rows, ...extra];
}

const f1 = (v: number) => v.toFixed(1).padStart(7);

export function formatBreakdown(r: LatencyResult): string {
  const lines = [
    "submission, per step (ms; sequential, in process; from timing decorators on the store and cluster ports):",
  ];
  const total = STEPS.reduce((s, k) => s + mean(r.steps[k]), 0);
  lines.push(`  ${"step".padEnd(44)} ${"p50".padStart(7)} ${"p95".padStart(7)} ${"mean".padStart(7)}  share`);
  for (const k of STEPS) {
    const v = r.steps[k];
    lines.push(
      `  ${k.padEnd(44)} ${f1(p(v, 50))} ${f1(p(v, 95))} ${f1(mean(v))}  ${((100 * mean(v)) / total).toFixed(0).padStart(3)} %`,
    );
  }
  lines.push(
    `  floor parts p50: Firestore create ${p(r.floorFirestore, 50).toFixed(1)} ms + Kubernetes create ${p(r.floorKube, 50).toFixed(1)} ms`,
  );
  lines.push(
    `  SUBMITTED as one conditional write (update with the create's lastUpdateTime as precondition): p50 ` +
      `${p(r.preconditionUpdate, 50).toFixed(1)} ms, against the transaction's ${p(r.steps["transition → SUBMITTED (Firestore txn)"], 50).toFixed(1)} ms`,
  );
  lines.push(
    `  the same Kubernetes create over one kept-alive TLS connection: p50 ${p(r.kubeKeepAlive, 50).toFixed(1)} ms ` +
      `(client-node opens a new connection, TLS handshake included, for every request: ours and the floor's alike)`,
  );
  lines.push(
    `  pure CPU alone (µs/submission): decode+JSON.parse ${r.cpuUs.decode.toFixed(0)}, validate (zod) ${(r.cpuUs.validate - r.cpuUs.decode).toFixed(0)}, render ${r.cpuUs.render.toFixed(0)}`,
  );
  lines.push(
    `  Firestore per submission: ${r.firestorePerSubmission.reads.toFixed(2)} reads, ${r.firestorePerSubmission.writes.toFixed(2)} writes (floor: 0 reads, 1 write)` +
      (r.notCreated ? `; ${r.notCreated} submissions did not create` : ""),
  );
  return lines.join("\n");
}

export function formatThroughputDetail(levels: LevelResult[]): string {
  return [
    "throughput detail (ours / floor):",
    ...levels.map(
      (l) =>
        `  c=${String(l.concurrency).padStart(2)}: errors ${l.oursErrors}/${l.floorErrors}, missing records ${l.oursMissingRecords}/${l.floorMissingRecords}, ` +
        `missing objects ${l.oursMissingObjects}/${l.floorMissingObjects}; ours ÷ tracked floor (the floor plus the ` +
        `SUBMITTED write) ${(l.oursJobsPerS / l.trackedFloorJobsPerS).toFixed(2)}× (${l.trackedFloorJobsPerS.toFixed(1)} jobs/s)` +
        (l.firstError ? `; first error: ${l.firstError}` : ""),
    ),
  ].join("\n");
}

export function formatColdStartDetail(c: ColdStartResult): string {
  const med = (runs: ColdStartResult["bare"], k: "listenMs" | "firstRequestMs" | "cpuMs") =>
    p(
      runs.map((x) => x[k]),
      50,
    ).toFixed(0);
  const line = (name: string, runs: ColdStartResult["bare"]) =>
    `  ${name.padEnd(28)} ${med(runs, "listenMs").padStart(6)} + ${med(runs, "firstRequestMs").padStart(6)}   CPU ${med(runs, "cpuMs").padStart(6)}`;
  return [
    "cold start detail (median ms): spawn → listening (module load) + listening → first 2xx (first request: clients,",
    "connections); CPU = the process's user + system time until that 2xx (steadier than wall time on a shared machine)",
    line("bare functions-framework", c.bare),
    ...Object.entries(c.functions).map(([name, runs]) => line(name, runs)),
  ].join("\n");
}

export function formatImports(profiles: ImportProfile[], packages: Array<[string, number]>): string {
  const lines = [
    "what each function imports at load (fresh process, import time while traced; modules by package, most first):",
  ];
  for (const pr of profiles) {
    const top = pr.packages
      .slice(0, 9)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    lines.push(`  ${pr.name.padEnd(26)} ${pr.importMs.toFixed(0).padStart(5)} ms, ${pr.modules} modules: ${top}`);
  }
  lines.push(`  import alone (median ms): ${packages.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}`);
  return lines.join("\n");
}

function mean(v: number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}
