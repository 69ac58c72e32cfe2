/**
 * cleanupTtl cost against history size, on the real Firestore emulator.
 *
 * For 1,000 and 10,000 finished, already-cleaned jobs ("history") it seeds
 * the same working set: 200 jobs past their TTL, 100 within it, 50 running
 * and 300 records past retention, with their objects in an in-memory cluster
 * (this bench measures Firestore work; the Kubernetes side is covered by the
 * integration tests on the testbed). It then prints, per run, Firestore
 * reads/writes/deletes and cluster deletes for a dry run, the real run and
 * a steady-state run. Reads must not change with history.
 *
 * Run: npm run bench -- cleanup
 */
import { performance } from "node:perf_hooks";
import { Firestore, Timestamp, type BulkWriter } from "@google-cloud/firestore";
import { systemClock } from "../shared/clock.ts";
import { createLogger } from "../shared/log.ts";
import { runCleanup } from "../shared/cleanup/run.ts";
import type { CleanupDeps, CleanupSummary } from "../shared/cleanup/types.ts";
import { JOBS } from "../shared/store/job-store.ts";
import { FirestoreDocs } from "../shared/store/firestore-docs.ts";
import { createStores } from "../shared/stores.ts";
import { MemoryCluster } from "../shared/cluster/memory-cluster.ts";
import { startBenchEnv } from "./lib.ts";

const DAY = 86_400_000;
const NS = "bench";
const SET = { expired: 200, withinTtl: 100, active: 50, pastRetention: 300 };
const quiet = createLogger({}, () => undefined);

function record(writer: BulkWriter, db: Firestore, id: string, fields: Record<string, unknown>): void {
  const at = (fields.finishedAt as string | undefined) ?? new Date().toISOString();
  void writer.create(db.collection(JOBS).doc(id), {
    id,
    namespace: NS,
    accelerator: "cpu",
    createdAt: at,
    updatedAt: at,
    events: [],
    ...fields,
  });
}

async function seed(db: Firestore, cluster: MemoryCluster, history: number): Promise<void> {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const writer = db.bulkWriter();
  for (let i = 0; i < history; i++) {
    const at = now - (1 + (i % 25)) * DAY;
    record(writer, db, `hist-${i}`, {
      state: "SUCCEEDED",
      finishedAt: iso(at),
      active: false,
      cleanupPending: false,
      expireAt: Timestamp.fromMillis(at + 30 * DAY),
    });
  }
  const finished = (id: string, finishedMs: number, ttl: number) => {
    record(writer, db, id, {
      state: "SUCCEEDED",
      finishedAt: iso(finishedMs),
      active: false,
      spec: { ttlSecondsAfterFinished: ttl },
      workload: { kind: "Job", name: id, namespace: NS },
      cleanupPending: true,
      cleanupDueAt: iso(finishedMs + ttl * 1000),
      expireAt: Timestamp.fromMillis(finishedMs + 30 * DAY),
    });
    cluster.addJob(NS, id, iso(finishedMs));
  };
  for (let i = 0; i < SET.expired; i++) finished(`expired-${i}`, now - 2 * 3600_000, 3600);
  for (let i = 0; i < SET.withinTtl; i++) finished(`within-${i}`, now - 600_000, 3600);
  for (let i = 0; i < SET.active; i++) {
    record(writer, db, `active-${i}`, {
      state: "RUNNING",
      active: true,
      workload: { kind: "Job", name: `active-${i}`, namespace: NS },
    });
    cluster.addJob(NS, `active-${i}`);
  }
  for (let i = 0; i < SET.pastRetention; i++) {
    const at = now - 40 * DAY;
    record(writer, db, `retired-${i}`, {
      state: "FAILED",
      finishedAt: iso(at),
      active: false,
      cleanupPending: false,
      expireAt: Timestamp.fromMillis(at + 30 * DAY),
    });
  }
  await writer.close();
}

function line(label: string, history: number, s: CleanupSummary, clusterDeletes: number, ms: number): string {
  const c = s.counts;
  return (
    `history=${String(history).padStart(6)}  ${label.padEnd(7)} reads=${String(s.cost.reads).padStart(5)}  writes=${String(s.cost.writes).padStart(4)}  ` +
    `fs-deletes=${String(s.cost.deletes).padStart(4)}  k8s-deletes=${String(clusterDeletes).padStart(4)}  ` +
    `deleted=${c.deleted} wouldDelete=${c.wouldDelete} kept=${c.kept} purged=${c.purged} wouldPurge=${c.wouldPurge} errors=${c.errors}  ${ms.toFixed(0)} ms`
  );
}

async function main(): Promise<void> {
  const env = await startBenchEnv({ cluster: false });
  try {
    console.log(
      `== cleanupTtl: Firestore cost against history (working set: ${SET.expired} expired, ${SET.withinTtl} within TTL, ` +
        `${SET.active} running, ${SET.pastRetention} past retention)`,
    );
    const reads: Record<string, number[]> = {};
    for (const history of [1_000, 10_000]) {
      const db = new Firestore({ projectId: `bench-cleanup-${history}` });
      const cluster = new MemoryCluster();
      await seed(db, cluster, history);
      const deps: CleanupDeps = {
        ...createStores(new FirestoreDocs(db), { clock: systemClock }),
        cluster,
        clock: systemClock,
        log: quiet,
        config: { defaultTtlSeconds: 7 * 86_400, retentionDays: 30 },
      };
      for (const [label, options] of [
        ["dry-run", { dryRun: true }],
        ["run", {}],
        ["steady", {}],
      ] as const) {
        const before = cluster.deletes;
        const t = performance.now();
        const s = await runCleanup(deps, options);
        const ms = performance.now() - t;
        if (s.status !== "completed") throw new Error(`${label} run ended ${s.status}: ${s.message}`);
        console.log(line(label, history, s, cluster.deletes - before, ms));
        (reads[label] ??= []).push(s.cost.reads);
      }
    }
    const flat = Object.entries(reads).every(([, r]) => r[0] === r[1]);
    console.log(
      flat ? "reads per run are the same for 1,000 and 10,000 history records" : "WARNING: reads changed with history",
    );
    if (!flat) process.exitCode = 1;
  } finally {
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
