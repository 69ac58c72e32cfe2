/**
 * Submission and sync benchmark on real parts.
 *
 * 1. N job messages (default 500) are published to the Pub/Sub emulator and
 *    pushed to submitJob (functions-framework) which creates each Job on the
 *    testbed's kube-apiserver. Prints, per job: handler time from receipt to
 *    Kubernetes object created, the emulator's push transport time, and the
 *    end-to-end time from publish; plus jobs per second.
 * 2. One syncJobs run over 10,000 finished and 50 active jobs: Firestore
 *    reads and writes, which must scale with active jobs only (a second run
 *    with 1,000 finished jobs shows the same reads).
 *
 * Run: npm run bench -- submit   (KINETIC_BENCH_JOBS=N to change N)
 *
 * The same figures beside their floors (a bare Firestore create plus a bare
 * Kubernetes create, a bare functions-framework start), with throughput per
 * instance and cold starts, are in perf.bench.ts (`npm run bench -- perf`).
 */
import { performance } from "node:perf_hooks";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { PubSub } from "@google-cloud/pubsub";
import { Firestore } from "@google-cloud/firestore";
import { seedHistory } from "../scripts/lib/seed-history.ts";
import type { AddressInfo } from "node:net";
import { KubeCluster } from "../shared/cluster/kube.ts";
import { FirestoreDocs } from "../shared/store/firestore-docs.ts";
import { createStores } from "../shared/stores.ts";
import { RecordingBus } from "../shared/bus/event-bus.ts";
import { createLogger } from "../shared/log.ts";
import { loadRuntimeConfig } from "../shared/runtime-config.ts";
import { systemClock } from "../shared/clock.ts";
import { syncJobs, type SyncDeps } from "../shared/jobs/sync.ts";
import { submitJob } from "../shared/jobs/submit.ts";
import { handleJobMessage } from "../functions/submit-job/handler.ts";
import { startBenchEnv, summarize } from "./lib.ts";
import { CoreV1Api } from "@kubernetes/client-node";

const N = Number(process.env.KINETIC_BENCH_JOBS ?? 500);
const NAMESPACE = "bench";
const quiet = createLogger({}, () => undefined);

async function main() {
  const env = await startBenchEnv({ cluster: true });
  try {
    const cluster = KubeCluster.fromFile(env.kubeconfigPath!);
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const config = { ...loadRuntimeConfig({}), namespacePolicy: { "*": [NAMESPACE] } };
    const deps = (projectId: string): SyncDeps & { db: Firestore } => {
      const db = new Firestore({ projectId });
      return {
        db,
        store: createStores(new FirestoreDocs(db), { clock: systemClock }).store,
        cluster,
        bus: new RecordingBus(),
        config,
        clock: systemClock,
        log: quiet,
      };
    };
    await benchSubmit(deps("bench-submit"));
    await benchSync(deps);
  } finally {
    await env.stop();
  }
}

async function benchSubmit(deps: SyncDeps) {
  const receivedAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  const handlerMs: number[] = [];
  functions.cloudEvent("benchSubmit", async (event: functions.CloudEvent<unknown>) => {
    const t0 = performance.now();
    const outcome = await handleJobMessage(deps, event);
    const t1 = performance.now();
    const id = outcome && "job" in outcome && outcome.job ? outcome.job.id : undefined;
    if (id && !doneAt.has(id)) {
      receivedAt.set(id, t0);
      doneAt.set(id, t1);
      handlerMs.push(t1 - t0);
    }
  });
  const server = getTestServer("benchSubmit");
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const pubsub = new PubSub({ projectId: "bench" });
  const [topic] = await pubsub.createTopic("bench-jobs");
  await topic.createSubscription("bench-jobs-push", {
    pushConfig: { pushEndpoint: `http://127.0.0.1:${port}/projects/bench/topics/bench-jobs` },
  });
  const publishedAt = new Map<string, number>();
  const t0 = performance.now();
  const publisher = pubsub.topic("bench-jobs", { batching: { maxMessages: 1, maxMilliseconds: 0 } });
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const id = `bench-${i}`;
      publishedAt.set(id, performance.now());
      await publisher.publishMessage({
        json: { id, namespace: NAMESPACE, command: ["true"], cpu: "10m", memory: "16Mi" },
      });
    }),
  );
  const deadline = Date.now() + 15 * 60_000;
  while (doneAt.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const elapsed = (Math.max(...doneAt.values()) - t0) / 1000;
  const e2e = [...doneAt].map(([id, t]) => t - publishedAt.get(id)!);
  const transport = [...receivedAt].map(([id, t]) => t - publishedAt.get(id)!);

  console.log(`\n== submit: ${doneAt.size}/${N} jobs published → pushed → Kubernetes Job created`);
  console.log(summarize("handler: receipt → Kubernetes object created", handlerMs));
  console.log(summarize("transport: publish → handler receipt (emulator)", transport));
  console.log(summarize("end to end: publish → object created", e2e));
  console.log(
    `throughput: ${(doneAt.size / elapsed).toFixed(1)} jobs/s end to end (${elapsed.toFixed(1)} s for ${doneAt.size})`,
  );
  console.log(
    `Firestore per submission: ${(deps.store.stats.reads / N).toFixed(2)} reads, ${(deps.store.stats.writes / N).toFixed(2)} writes`,
  );

  // The same handler without the emulator's push: how fast Kinetic itself is.
  const direct: number[] = [];
  for (let i = 0; i < Math.min(N, 200); i++) {
    const s = performance.now();
    await submitJob(deps, {
      spec: { id: `direct-${i}`, namespace: NAMESPACE, command: ["true"], cpu: "10m", memory: "16Mi" },
      principal: "bench",
      source: "bench",
    });
    direct.push(performance.now() - s);
  }
  console.log(summarize("direct submitJob (no transport), sequential", direct));
  await pubsub.subscription("bench-jobs-push").delete();
  await topic.delete();
  await pubsub.close();
  await new Promise((r) => server.close(r));
}

async function benchSync(deps: (projectId: string) => SyncDeps & { db: Firestore }) {
  console.log(`\n== syncJobs: Firestore cost against history size`);
  for (const finished of [1_000, 10_000]) {
    const d = deps(`bench-sync-${finished}`);
    const now = Date.now();
    await seedHistory(d.db, finished, (i) => ({
      id: `done-${i}`,
      at: new Date(now - (finished - i) * 1000).toISOString(),
      state: i % 5 === 0 ? "FAILED" : "SUCCEEDED",
      namespace: NAMESPACE,
      expireAtMs: now + 30 * 86_400_000,
    }));
    for (let i = 0; i < 50; i++) {
      await submitJob(d, {
        spec: {
          id: `active-${finished}-${i}`,
          namespace: NAMESPACE,
          command: ["true"],
          cpu: "10m",
          memory: "16Mi",
          annotations: { "testbed.kinetic.dev/outcome": "run" },
        },
        principal: "bench",
        source: "bench",
      });
    }
    const before = { ...d.store.stats };
    const t = performance.now();
    const summary = await syncJobs(d);
    const ms = performance.now() - t;
    const reads = d.store.stats.reads - before.reads;
    const writes = d.store.stats.writes - before.writes;
    console.log(
      `finished=${String(finished).padStart(6)} active=50  scanned=${summary.scanned}  reads=${reads}  writes=${writes}  ` +
        `reads/active=${(reads / 50).toFixed(2)}  time=${ms.toFixed(0)} ms`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
