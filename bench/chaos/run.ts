/**
 * The chaos run of issue 11, reusable by the bench and the integration test:
 * publish N job messages to the Pub/Sub emulator; deliver each 3 times at
 * once, out of order, through our own push driver to submitJob running as
 * its own functions-framework process; fault ~10 % of the Job/JobSet creates
 * at the fault proxy (half before forwarding, half after); SIGKILL and
 * restart the function at random points; cancel 10 % of the jobs while their
 * deliveries race; run syncJobs as the cron would, then until quiet; verify.
 * The caller provides the emulators (env) and the testbed's kubeconfig.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { PubSub, type Message } from "@google-cloud/pubsub";
import { RecordingBus } from "../../shared/bus/event-bus.ts";
import { systemClock } from "../../shared/clock.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import { syncJobs, type SyncDeps } from "../../shared/jobs/sync.ts";
import { runCleanup } from "../../shared/cleanup/run.ts";
import { cleanupDeps } from "../../shared/cleanup/cleanup-deps.ts";
import { createLogger } from "../../shared/log.ts";
import { loadRuntimeConfig } from "../../shared/runtime-config.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores } from "../../shared/stores.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { startFaultProxy, TEST_ANNOTATIONS } from "../../testbed/index.ts";
import { CancelRacer, type CancelStats } from "./cancels.ts";
import { PUSH_TOKEN, PushDriver, type DriverStats } from "./driver.ts";
import { FunctionSupervisor } from "./supervisor.ts";
import { verify, type Verdict } from "./verify.ts";
import { countHandlerEvents, type HandlerCounts } from "./handler-log.ts";

export interface ChaosOptions {
  jobs: number;
  /** SIGKILLs of the function process during the storm. */
  kills: number;
  /** The testbed's own kubeconfig (the proxy goes in front of it). */
  kubeconfigPath: string;
  /** An existing namespace the jobs run in. */
  namespace: string;
  /** Firestore and Pub/Sub project id: the run's records are all of this project's. */
  project: string;
  /** Where the function process's log goes. */
  workDir: string;
  copies?: number;
  faultRate?: number;
  cancelRate?: number;
  stormTimeoutMs?: number;
  settleTimeoutMs?: number;
  say?: (line: string) => void;
}

export interface ChaosResult {
  jobs: number;
  copies: number;
  verdict: Verdict;
  driver: DriverStats;
  cancels: CancelStats;
  kills: number;
  crashes: number;
  restartMs: number[];
  faults: { before: number; after: number; createRequests: number };
  /** What the function logged: recovery paths taken. */
  handler: HandlerCounts;
  syncRuns: number;
  /** Workloads the closing cleanupTtl pass deleted (a create that landed behind a cancel after sync let go). */
  cleanupDeleted: number;
  quiet: boolean;
  stormMs: number;
  settleMs: number;
  wallMs: number;
  functionLog: string;
}

const quiet = createLogger({}, () => undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = performance.now();
  const say = o.say ?? (() => undefined);
  const copies = o.copies ?? 3;
  const half = (o.faultRate ?? 0.1) / 2;
  const stops: Array<() => Promise<unknown>> = [];
  let stormOver = false;
  try {
    const proxy = await startFaultProxy(o.kubeconfigPath);
    stops.push(() => proxy.stop());
    const creates = new RegExp(
      `^/apis/(batch/v1|jobset\\.x-k8s\\.io/v1alpha2)/namespaces/${o.namespace}/(jobs|jobsets)$`,
    );
    // Checked in order: the second rule sees only what the first let through, hence half / (1 - half).
    const before = proxy.add({
      method: "POST",
      path: creates,
      fault: { kind: "fail-before" },
      times: Infinity,
      probability: half,
    });
    const after = proxy.add({
      method: "POST",
      path: creates,
      fault: { kind: "fail-after" },
      times: Infinity,
      probability: half / (1 - half),
    });

    const db = new Firestore({ projectId: o.project });
    stops.push(() => db.terminate());
    const stores = createStores(new FirestoreDocs(db), { clock: systemClock });
    const deps: SyncDeps = {
      store: stores.store,
      cluster: KubeCluster.fromFile(o.kubeconfigPath),
      bus: new RecordingBus(),
      // Stalled QUEUED jobs are retried sooner than the cron's 60 s, so they race the redeliveries.
      config: { ...loadRuntimeConfig({}), namespacePolicy: { "*": [o.namespace] }, resubmitAfterSeconds: 10 },
      clock: systemClock,
      log: quiet,
    };

    const functionLog = join(o.workDir, "submitJob.log");
    const fn = new FunctionSupervisor({
      port: await freePort(),
      logFile: functionLog,
      env: {
        FIRESTORE_EMULATOR_HOST: mustEnv("FIRESTORE_EMULATOR_HOST"),
        PUBSUB_EMULATOR_HOST: mustEnv("PUBSUB_EMULATOR_HOST"),
        METADATA_SERVER_DETECTION: "none",
        KINETIC_PROJECT: o.project,
        KINETIC_KUBECONFIG: proxy.kubeconfigPath,
        KINETIC_NAMESPACE_POLICY: JSON.stringify({ "*": [o.namespace] }),
        // The push endpoint authenticates every delivery: a static token stands in for the OIDC token.
        KINETIC_API_TOKENS: `pubsub-push=${PUSH_TOKEN}`,
      },
    });
    stops.push(() => fn.stop());
    await fn.start();
    say(`submitJob (functions-framework) on ${fn.url}, log ${functionLog}`);

    const ids = Array.from({ length: o.jobs }, (_, i) => `chaos-${randomBytes(3).toString("hex")}-${i}`);
    const targets = new Set(ids.filter(() => Math.random() < (o.cancelRate ?? 0.1)));
    const roundTrips: number[] = [];
    const cancels = new CancelRacer(deps, o.namespace, targets, () => 2 * recentMedian(roundTrips, 500));

    const pubsub = new PubSub({ projectId: o.project });
    stops.push(() => pubsub.close());
    const [topic] = await pubsub.createTopic("chaos-jobs");
    await topic.createSubscription("chaos-pull", { ackDeadlineSeconds: 600 });
    const driver = new PushDriver({
      url: fn.url,
      project: o.project,
      topic: "chaos-jobs",
      subscription: "chaos-pull",
      copies,
      maxAttempts: 20,
      maxInFlight: 48,
      jitterMs: 250,
      onFirstSend: (id) => cancels.onFirstSend(id),
      okRoundTripMs: roundTrips,
    });
    stops.push(async () => driver.close());
    const sub = topic.subscription("chaos-pull", {
      flowControl: { maxMessages: o.jobs * 2, allowExcessMessages: false },
    });
    sub.on("message", (m: Message) =>
      driver.accept({
        id: m.id,
        data: m.data,
        attributes: m.attributes,
        publishTime: m.publishTime.toISOString(),
        ack: () => m.ack(),
      }),
    );
    sub.on("error", (err: unknown) => say(`subscription error: ${String(err)}`));
    stops.push(() => sub.close());

    // The storm: publish, deliver, kill, cancel, and sync as the cron does.
    const tStorm = performance.now();
    let syncRuns = 0;
    const cron = (async () => {
      while (!stormOver) {
        await syncJobs(deps).catch(() => undefined);
        syncRuns++;
        await sleep(2_000);
      }
    })();
    const publisher = pubsub.topic("chaos-jobs", { batching: { maxMessages: 100, maxMilliseconds: 20 } });
    const published = new Set<string>();
    await Promise.all(
      ids.map(async (id) => {
        await publisher.publishMessage({ json: jobSpec(id, o.namespace) });
        published.add(id);
      }),
    );
    say(`published ${published.size} messages`);
    const stormDeadline = Date.now() + (o.stormTimeoutMs ?? 10 * 60_000);
    const progress = () => (Date.now() > stormDeadline ? 1 : driver.finished / Math.max(1, published.size));
    const killer = killAtRandomPoints(fn, o.kills, progress, say);
    while (driver.finished < published.size && Date.now() < stormDeadline) await sleep(100);
    await killer;
    await cancels.settled();
    stormOver = true;
    await cron;
    driver.close();
    await sub.close();
    const stormMs = performance.now() - tStorm;
    say(
      `storm over in ${(stormMs / 1000).toFixed(1)} s: ${driver.finished}/${published.size} messages acked or dead-lettered`,
    );

    // Settle: the cron until nothing is active, then the verdict.
    const tSettle = performance.now();
    const settleDeadline = Date.now() + (o.settleTimeoutMs ?? 5 * 60_000);
    let isQuiet = false;
    let cleanupDeleted = 0;
    while (Date.now() < settleDeadline) {
      await syncJobs(deps).catch(() => undefined);
      syncRuns++;
      if (!(await deps.store.listActive({ limit: 1 })).length) {
        isQuiet = true;
        break;
      }
      await sleep(1_000);
    }
    // cleanupTtl's cron, once, as production runs it every 15 minutes: a delivery killed right after a create that
    // landed behind a cancel, once syncJobs has let the cancelled job go, leaves a workload only this sweep deletes.
    const swept = await runCleanup(cleanupDeps({ ...deps, leases: stores.leases, cleanupRuns: stores.cleanupRuns }), {
      namespace: o.namespace,
    });
    cleanupDeleted = swept.counts.deleted;
    const settleMs = performance.now() - tSettle;
    const verdict = await verify(deps.store, (deps.cluster as KubeCluster).kubeConfig, o.namespace, published);
    return {
      jobs: o.jobs,
      copies,
      verdict,
      driver: driver.stats,
      cancels: cancels.stats,
      kills: fn.kills,
      crashes: fn.crashes,
      restartMs: fn.startMs.slice(1),
      faults: { before: before.hits, after: after.hits, createRequests: before.matches },
      handler: countHandlerEvents(functionLog),
      syncRuns,
      cleanupDeleted,
      quiet: isQuiet,
      stormMs,
      settleMs,
      wallMs: performance.now() - t0,
      functionLog,
    };
  } finally {
    stormOver = true; // also on a failed run: the cron loop must end
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/**
 * Kills at `n` random points of the storm's progress (5–85 % of messages done), one in each of `n` equal
 * slices so they spread out, each a little after its point, mid-request.
 */
async function killAtRandomPoints(fn: FunctionSupervisor, n: number, progress: () => number, say: (l: string) => void) {
  const points = Array.from({ length: n }, (_, k) => 0.05 + (0.8 * (k + 0.1 + 0.8 * Math.random())) / n);
  for (const p of points) {
    while (progress() < p) await sleep(20);
    await sleep(Math.random() * 200);
    const at = progress();
    await fn.killAndRestart();
    say(`SIGKILL #${fn.kills} at ${(at * 100).toFixed(0)} % done (restarted in ${fn.startMs.at(-1)?.toFixed(0)} ms)`);
  }
}

/** The median of the last 50 values, or `fallback` before there are any. */
function recentMedian(values: number[], fallback: number): number {
  const recent = values.slice(-50).sort((a, b) => a - b);
  return recent.length ? recent[Math.floor(recent.length / 2)]! : fallback;
}

/** A small CPU job whose pod the testbed's KWOK runs for a second and succeeds. */
function jobSpec(id: string, namespace: string) {
  return {
    id,
    namespace,
    command: ["true"],
    cpu: "10m",
    memory: "16Mi",
    annotations: { [TEST_ANNOTATIONS.outcome]: "succeed", [TEST_ANNOTATIONS.runFor]: "1s" },
  };
}

function mustEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: start the emulators first`);
  return v;
}
