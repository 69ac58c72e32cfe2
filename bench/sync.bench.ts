/**
 * syncJobs at scale, on the real Firestore emulator and the testbed's API
 * server, beside its floor measured in the same run.
 *
 * For each size (default 1,000 and 10,000 active jobs; KINETIC_BENCH_SYNC=N,M
 * to change): N Kubernetes Jobs are created in one namespace with N active
 * job records pointing at them, plus 10,000 finished records of history.
 * Up to 1,000 jobs run real (KWOK) pods; past that the Jobs are created
 * suspended (no pods), which the output says. Printed per size:
 * - the first run (every job moves SUBMITTED → RUNNING/PENDING) and a second
 *   run (nothing changed): wall time, Kubernetes API requests (counted by a
 *   proxy in front of the API server), Firestore reads and writes;
 * - the floor: one bare paged list of the namespace's Jobs and Pods plus one
 *   bare Firestore query of the active records, and the ratio to it.
 *
 * Run: npm run bench -- sync
 */
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { KubeCluster } from "../shared/cluster/kube.ts";
import { FirestoreDocs } from "../shared/store/firestore-docs.ts";
import { createStores } from "../shared/stores.ts";
import { RecordingBus } from "../shared/bus/event-bus.ts";
import { createLogger } from "../shared/log.ts";
import { loadRuntimeConfig } from "../shared/runtime-config.ts";
import { systemClock } from "../shared/clock.ts";
import { syncJobs, type SyncDeps } from "../shared/jobs/sync.ts";
import { seedHistory } from "../scripts/lib/seed-history.ts";
import { startFaultProxy, TEST_ANNOTATIONS } from "../testbed/index.ts";
import { startBenchEnv } from "./lib.ts";
import { seedActive, type Seeded } from "./sync/seed.ts";

const SIZES = (process.env.KINETIC_BENCH_SYNC ?? "1000,10000").split(",").map(Number);
/** Above this, Jobs are created suspended: the testbed's KWOK nodes hold about 1,000 pods. */
const MAX_WITH_PODS = 1_000;
const HISTORY = 10_000;
const quiet = createLogger({}, () => undefined);

interface Row {
  label: string;
  ms: number;
  api: number;
  reads: number;
  writes: number;
  floorMs: number;
}

async function main() {
  const env = await startBenchEnv({ cluster: true });
  const proxy = await startFaultProxy(env.kubeconfigPath!);
  const rows: Row[] = [];
  try {
    // Sync goes through the counting proxy; seeding and the floor talk to the API server directly.
    const cluster = KubeCluster.fromFile(proxy.kubeconfigPath);
    const direct = KubeCluster.fromFile(env.kubeconfigPath!);
    for (const n of SIZES) {
      const namespace = `sync-${n}`;
      await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
      const db = new Firestore({ projectId: `bench-sync-${n}` });
      const stores = createStores(new FirestoreDocs(db), { clock: systemClock });
      const deps: SyncDeps = {
        store: stores.store,
        cluster,
        bus: new RecordingBus(),
        config: { ...loadRuntimeConfig({}), namespacePolicy: { "*": [namespace] } },
        clock: systemClock,
        log: quiet,
      };
      const withPods = n <= MAX_WITH_PODS;
      const t0 = performance.now();
      const seeded = await seedActive({
        db,
        cluster: direct,
        namespace,
        count: n,
        withPods,
        annotations: { [TEST_ANNOTATIONS.outcome]: "run" },
      });
      await seedHistory(db, HISTORY, (i) => ({
        id: `done-${i}`,
        at: new Date(Date.now() - (HISTORY - i) * 1000).toISOString(),
        namespace,
        expireAtMs: Date.now() + 30 * 86_400_000,
      }));
      console.log(
        `seeded ${n} active jobs (${withPods ? "running KWOK pods" : "suspended Jobs, no pods"}) and ${HISTORY} finished records in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
      if (withPods) await settle(direct, namespace, n);
      for (const label of ["first run (all move)", "second run (no change)"]) {
        const floorMs = await floor(direct, db, namespace);
        const row = { label: `${n} active, ${label}`, floorMs, ...(await measure(deps, proxy.stats, seeded)) };
        rows.push(row);
        console.log(line(row));
      }
      await cluster.kubeConfig.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace });
    }
  } finally {
    await proxy.stop();
    await env.stop();
  }
  print(rows);
}

async function measure(deps: SyncDeps, api: { requests: number }, seeded: Seeded) {
  const before = { ...deps.store.stats, api: api.requests };
  const t = performance.now();
  const summary = await syncJobs(deps);
  const ms = performance.now() - t;
  if (summary.errors || summary.scanned !== seeded.count)
    throw new Error(`sync did not see every job cleanly: ${JSON.stringify(summary)}`);
  return {
    ms,
    api: api.requests - before.api,
    reads: deps.store.stats.reads - before.reads,
    writes: deps.store.stats.writes - before.writes,
  };
}

/** The floor: a bare paged list of the namespace's Jobs and Pods, and a bare query of the active records. */
async function floor(cluster: KubeCluster, db: Firestore, namespace: string): Promise<number> {
  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const t = performance.now();
  for (const [apiVersion, kind] of [
    ["batch/v1", "Job"],
    ["v1", "Pod"],
  ] as const) {
    let cont: string | undefined;
    do {
      const page = await objects.list<KubernetesObject>(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        "kinetic.dev/managed-by=kinetic",
        500,
        cont,
      );
      cont = (page.metadata as { _continue?: string } | undefined)?._continue;
    } while (cont);
  }
  await db.collection("jobs").where("active", "==", true).get();
  return performance.now() - t;
}

/** Waits until the Jobs' pods exist, so the first sync reads running workloads, not half-created ones. */
async function settle(cluster: KubeCluster, namespace: string, n: number): Promise<void> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  for (let i = 0; i < 600; i++) {
    const pods = await core.listNamespacedPod({ namespace, limit: 1 });
    const total = (pods.metadata?.remainingItemCount ?? 0) + pods.items.length;
    if (total >= n) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the job controller did not create ${n} pods in 10 minutes`);
}

function line(r: Row): string {
  const goal = r.label.startsWith("10000") ? (r.ms < 10_000 ? "< 10 s: pass" : "< 10 s: FAIL") : "";
  return [
    r.label.padEnd(40),
    r.ms.toFixed(0).padStart(7),
    r.floorMs.toFixed(0).padStart(8),
    (r.ms / r.floorMs).toFixed(2).padStart(5),
    String(r.api).padStart(9),
    String(r.reads).padStart(5),
    String(r.writes).padStart(6),
    goal,
  ].join("  ");
}

function print(rows: Row[]) {
  console.log(`\n== syncJobs at scale (floor = bare list of Jobs + Pods, plus a bare query of the active records)`);
  console.log(["case".padEnd(40), "time ms", "floor ms", "ratio", "API calls", "reads", "writes", "goal"].join("  "));
  for (const r of rows) console.log(line(r));
  console.log(`(${HISTORY} finished records sit beside each size: reads count only active ones.)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
