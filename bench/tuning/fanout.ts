/**
 * Fan-out: a 1,000-trial study with parallelTrials 1,000 on the Firestore
 * emulator and the testbed's API server, started the way the API starts one
 * (record the study, then tuneStudy's handler takes the study.drive message).
 * Measured: the time from study creation until every trial's Kubernetes Job
 * exists (goal < 60 s), Firestore reads and writes per trial (the document
 * port's counters), and, in the same run, the floor: N bare Kubernetes creates
 * of the same workloads at the dispatch concurrency (before and after the
 * study, averaged: the testbed is busier afterwards) and N bare single-document
 * Firestore writes at that concurrency. Printed as ratios.
 *
 * Trial pods are KWOK pods that succeed after 1 s, floor and study alike.
 */
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { handleTuningMessage } from "../../functions/tune-study/handler.ts";
import { systemClock } from "../../shared/clock.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import { forEachLimit } from "../../shared/concurrency.ts";
import { createLogger } from "../../shared/log.ts";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { withRetry } from "../../shared/retry.ts";
import { loadRuntimeConfig } from "../../shared/runtime-config.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores } from "../../shared/stores.ts";
import { HISTORY_CHUNK, STUDIES, STUDY_HISTORY, studyKey } from "../../shared/store/study-store.ts";
import { createStudy } from "../../shared/studies/create.ts";
import { DISPATCH_CONCURRENCY } from "../../shared/studies/drive.ts";
import type { StudyDeps } from "../../shared/studies/types.ts";
import { startBenchEnv } from "../lib.ts";

const N = Number(process.env.KINETIC_BENCH_FANOUT ?? 1000);
const GOAL_MS = 60_000;
const quiet = createLogger({}, () => undefined);

const template = (namespace: string) => ({
  namespace,
  image: "python:3.12-slim",
  command: ["python", "train.py"],
  args: ["--x=${x}"],
  cpu: "10m",
  memory: "16Mi",
});

export interface FanoutFigures {
  trials: number;
  ms: number;
  readsPerTrial: number;
  writesPerTrial: number;
  k8sFloorMs: number;
  firestoreFloorMs: number;
  passed: boolean;
}

async function createNamespace(cluster: KubeCluster, name: string): Promise<void> {
  await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

async function jobCount(cluster: KubeCluster, namespace: string): Promise<number> {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  let n = 0;
  let cont: string | undefined;
  do {
    const page = await batch.listNamespacedJob({ namespace, limit: 500, ...(cont ? { _continue: cont } : {}) });
    n += page.items.length;
    cont = page.metadata?._continue;
  } while (cont);
  return n;
}

/** N bare creates of the workloads a trial renders, at the dispatch concurrency, retried like submitJob's. */
async function k8sFloor(cluster: KubeCluster, namespace: string): Promise<number> {
  await createNamespace(cluster, namespace);
  const workloads = Array.from({ length: N }, (_, k) => {
    const id = `floor-${k}`;
    return renderWorkload(id, parseJobSpec({ ...template(namespace), id, args: [`--x=${k / N}`] }));
  });
  const t = performance.now();
  await forEachLimit(workloads, DISPATCH_CONCURRENCY, async (w) => void (await withRetry(() => cluster.submit(w))));
  return performance.now() - t;
}

/** N bare single-document writes at the dispatch concurrency. */
async function firestoreFloor(db: Firestore): Promise<number> {
  const ids = Array.from({ length: N }, (_, k) => `floor-${k}`);
  const t = performance.now();
  await forEachLimit(ids, DISPATCH_CONCURRENCY, async (id) => {
    await db.collection("fanoutFloor").doc(id).set({ id, at: new Date().toISOString() });
  });
  return performance.now() - t;
}

export async function fanoutBench(log: (line: string) => void): Promise<FanoutFigures> {
  const env = await startBenchEnv({ cluster: true });
  try {
    const cluster = KubeCluster.fromFile(env.kubeconfigPath!);
    const db = new Firestore({ projectId: "bench-fanout" });
    const docs = new FirestoreDocs(db);
    const namespace = "fanout-study";
    await createNamespace(cluster, namespace);
    const deps: StudyDeps = {
      ...createStores(docs, { clock: systemClock }),
      cluster,
      config: { ...loadRuntimeConfig({}), namespacePolicy: { "*": ["*"] } },
      clock: systemClock,
      log: quiet,
    };
    log(`fan-out: ${N} trials, parallelTrials ${N}, dispatch concurrency ${DISPATCH_CONCURRENCY}`);
    const floorBefore = await k8sFloor(cluster, "fanout-floor-a");
    log(`  floor before: ${N} bare Kubernetes creates in ${(floorBefore / 1000).toFixed(1)} s`);

    const spec = {
      id: "fanout",
      hyperparameters: { x: { type: "double", min: 0, max: 1 } },
      objectives: ["loss"],
      objectiveType: "minimize",
      trials: N,
      parallelTrials: N,
      algorithm: "random",
      trialTemplate: template(namespace),
    };
    const before = { ...docs.stats };
    const t0 = performance.now();
    // As the API does: record the study; then tuneStudy takes the study.drive message it published.
    await createStudy(deps, { spec, principal: "bench", fanOut: false });
    const data = Buffer.from(JSON.stringify({ type: "study.drive", namespace, studyId: "fanout" })).toString("base64");
    const outcome = await handleTuningMessage(deps, { id: "m-1", data: { message: { data, messageId: "m-1" } } });
    const ms = performance.now() - t0;
    const reads = docs.stats.reads - before.reads;
    const writes = docs.stats.writes - before.writes;
    const study = await deps.studies.get({ namespace, id: "fanout" });
    const jobs = await jobCount(cluster, namespace);
    if (outcome.status !== "study" || study?.issued !== N || study.active !== N || jobs !== N)
      throw new Error(`fan-out incomplete: ${JSON.stringify(outcome)}, issued ${study?.issued}, ${jobs} Jobs`);
    // What Firestore holds: the study document and its history chunks (shared/store/study-history.ts).
    const bytes = (d: unknown) => Buffer.byteLength(JSON.stringify(d));
    const stored = await db.collection(STUDIES).doc(studyKey(study)).get();
    const chunks = await Promise.all(
      Array.from({ length: Math.ceil(N / HISTORY_CHUNK) }, (_, c) =>
        db
          .collection(STUDY_HISTORY)
          .doc(`${studyKey(study)}:${c}`)
          .get(),
      ),
    );
    log(
      `  study: every trial's Job exists ${(ms / 1000).toFixed(1)} s after creation; study document ` +
        `${bytes(stored.data())} B, ${chunks.length} history chunks of at most ${Math.max(...chunks.map((c) => bytes(c.data())))} B`,
    );

    const floorAfter = await k8sFloor(cluster, "fanout-floor-b");
    log(`  floor after:  ${N} bare Kubernetes creates in ${(floorAfter / 1000).toFixed(1)} s`);
    const fsFloor = await firestoreFloor(db);
    await db.terminate();
    const k8sFloorMs = (floorBefore + floorAfter) / 2;
    return {
      trials: N,
      ms,
      readsPerTrial: reads / N,
      writesPerTrial: writes / N,
      k8sFloorMs,
      firestoreFloorMs: fsFloor,
      passed: ms < GOAL_MS,
    };
  } finally {
    await env.stop();
  }
}

export function printFanout(f: FanoutFigures, log: (line: string) => void): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  log(`\nfan-out: ${f.trials}-trial study, parallelTrials ${f.trials} (emulator + testbed)`);
  log(`  creation → every trial's Job exists   ${s(f.ms).padStart(8)}   goal < ${s(GOAL_MS)}`);
  log(
    `  floor: ${f.trials} bare Kubernetes creates   ${s(f.k8sFloorMs).padStart(8)}   ratio ${(f.ms / f.k8sFloorMs).toFixed(2)}`,
  );
  log(`  floor: ${f.trials} bare Firestore writes     ${s(f.firestoreFloorMs).padStart(8)}`);
  log(
    `  floor: both, back to back           ${s(f.k8sFloorMs + f.firestoreFloorMs).padStart(8)}   ratio ${(f.ms / (f.k8sFloorMs + f.firestoreFloorMs)).toFixed(2)}`,
  );
  log(
    `  Firestore per trial: ${f.readsPerTrial.toFixed(2)} reads, ${f.writesPerTrial.toFixed(2)} writes (floor: 0, 1)`,
  );
  log(`${f.passed ? "PASS" : "FAIL"}  fan-out under ${s(GOAL_MS)}: ${s(f.ms)}`);
}
