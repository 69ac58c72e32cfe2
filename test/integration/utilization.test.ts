/**
 * checkUtilization on real parts: a real Prometheus scraping the fake DCGM
 * exporter every second, the Firestore emulator, and GPU jobs whose pods run
 * on the testbed's KWOK nodes shaped like GKE's L4 pools. Windows are a few
 * seconds long (1 s samples) so each case waits for real samples, as a
 * deployed run would; each case scopes the config to its own namespace.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiApp } from "../../functions/api/app.ts";
import { operatorConfigRoutes } from "../../functions/api/operator-config-routes.ts";
import { RecordingBus } from "../../shared/bus/event-bus.ts";
import type { Deps } from "../../shared/deps.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { CoreV1Api } from "@kubernetes/client-node";
import { createTestNamespace, kubeConfigFromEnv, waitFor, type TestNamespace } from "../../testbed/index.ts";
import { sandbox, type Sandbox } from "../unit/cli/helpers.ts";
import {
  check,
  freeStartedJobs,
  runningJob,
  setConfig,
  sleep,
  startMetrics,
  type Metrics,
} from "./utilization-support.ts";
import { testCluster, testDeps } from "./support.ts";

const OPERATOR_TOKEN = "operator-token-utilization-0123";
let metrics: Metrics;
let bus: RecordingBus;
let deps: Deps;
const namespaces: TestNamespace[] = [];
const volumes: string[] = [];

beforeAll(async () => {
  metrics = await startMetrics();
  bus = new RecordingBus();
  deps = testDeps({ namespaces: ["*"], bus });
});
// The testbed's L4 pools are shared with other suites: give the GPUs back after each case.
afterEach(async () => {
  await freeStartedJobs();
  metrics.exporter.clear();
});
afterAll(async () => {
  await metrics?.stop();
  await Promise.allSettled(namespaces.map((n) => n.cleanup()));
  const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
  await Promise.allSettled(volumes.map((name) => core.deletePersistentVolume({ name })));
});

/** A claim bound to a volume of its own (hostPath: nothing provisions storage here), ready for a pod to mount. */
async function boundClaim(ns: string): Promise<string> {
  const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
  const name = "train-data";
  const pv = `${ns}-data`;
  await core.createPersistentVolume({
    body: {
      metadata: { name: pv },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "",
        hostPath: { path: `/tmp/${pv}` },
        claimRef: { namespace: ns, name },
      },
    },
  });
  volumes.push(pv);
  await core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "",
        volumeName: pv,
        resources: { requests: { storage: "1Gi" } },
      },
    },
  });
  await waitFor(
    async () =>
      (await core.readNamespacedPersistentVolumeClaim({ name, namespace: ns })).status?.phase === "Bound" || undefined,
    { description: `claim ${ns}/${name} bound` },
  );
  return name;
}

async function namespace(prefix: string): Promise<string> {
  const ns = await createTestNamespace(prefix);
  namespaces.push(ns);
  return ns.name;
}

/** Four-second windows of one-second samples, judged from one second after start, in `ns` only. */
const monitoring = (ns: string, extra: Record<string, unknown> = {}) => ({
  resourceMonitoring: { window: "4s", warmUp: "1s", lowUtilizationThreshold: 5, targetNamespaces: [ns], ...extra },
});
/** Long enough for a full 4 s window of fresh samples after the exporter changed. */
const FULL_WINDOW_MS = 5_500;
const finishedEvents = (id: string) =>
  bus.messages.filter((m) => m.topic === "jobEvents" && (m.data as { jobId?: string }).jobId === id);

describe("checkUtilization: idle termination", () => {
  it("stops a job idle for the full window after terminateUnderutilizedAfter, and not before", async () => {
    const ns = await namespace("util-idle");
    await setConfig(deps, monitoring(ns, { terminateUnderutilized: true, terminateUnderutilizedAfter: "8s" }));
    const claim = await boundClaim(ns);
    const { key, job, pods } = await runningJob(deps, ns, {
      accelerator: "nvidia-l4",
      gpus: 2,
      persistentVolumeClaims: { [claim]: "/data" },
    });
    for (const pod of pods) metrics.exporter.setGpuPod(ns, pod, [0, 0]);
    await sleep(FULL_WINDOW_MS);

    const first = await check(deps, metrics.prometheus.url);
    expect(first).toMatchObject({ status: "completed", queries: 1 });
    expect(first.counts).toMatchObject({ checked: 1, idle: 1, flippedLow: 1, terminated: 0 });
    const low = (await deps.store.get(key))!;
    expect(low.state).toBe("RUNNING");
    expect(low.lowUtilizationSince).toBeDefined();
    expect(low.events.at(-1)).toMatchObject({ state: "RUNNING", reason: "UtilizationLow" });
    expect((await testCluster().status(job.workload!)).phase).toBe("Running");

    // Idle 4 s so far (the window): under 8 s, so a second look now still keeps it.
    const early = await check(deps, metrics.prometheus.url);
    expect(early.counts).toMatchObject({ idle: 1, flippedLow: 0, terminated: 0 });

    await sleep(Math.max(0, Date.parse(low.lowUtilizationSince!) + 8_500 - Date.now()));
    const later = await check(deps, metrics.prometheus.url);
    expect(later.counts).toMatchObject({ idle: 1, terminated: 1 });
    const stopped = (await deps.store.get(key))!;
    expect(stopped).toMatchObject({ state: "FAILED", reason: "Underutilized", active: false, stopPending: false });
    expect(stopped.message).toMatch(
      /idle for \d+ s .* over terminateUnderutilizedAfter 8 s; volumes and claims are kept/,
    );
    expect(stopped.lowUtilizationSince).toBe(low.lowUtilizationSince);
    expect((await testCluster().status(job.workload!)).phase).toBe("Missing");
    // The job's volume claim is not the workload's: it stays, with its data.
    const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
    expect((await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns })).status?.phase).toBe(
      "Bound",
    );
    expect(finishedEvents(key.id)).toHaveLength(1);
    expect(finishedEvents(key.id)[0]!.data).toMatchObject({ state: "FAILED", reason: "Underutilized" });
    const record = await deps.utilizationRuns.get(later.runId);
    expect(record).toMatchObject({ status: "completed", counts: { terminated: 1 } });
  });

  it("never calls a job with one busy GPU of eight idle, and flips its streak both ways with an event", async () => {
    const ns = await namespace("util-busy");
    await setConfig(deps, monitoring(ns, { terminateUnderutilized: true, terminateUnderutilizedAfter: "1s" }));
    const { key, pods } = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 8 });
    const [pod] = pods;
    metrics.exporter.setGpuPod(ns, pod!, [0, 0, 0, 0, 0, 0, 0, 63]);
    await sleep(FULL_WINDOW_MS);
    const busy = await check(deps, metrics.prometheus.url);
    expect(busy.counts).toMatchObject({ checked: 1, busy: 1, idle: 0, terminated: 0 });
    expect((await deps.store.get(key))!).toMatchObject({ state: "RUNNING" });
    expect((await deps.store.get(key))!.lowUtilizationSince).toBeUndefined();

    // All eight idle → low (the after-time is off for this part: the streak is what is checked) …
    await setConfig(deps, monitoring(ns));
    metrics.exporter.setGpuPod(ns, pod!, [0, 0, 0, 0, 0, 0, 0, 0]);
    await sleep(FULL_WINDOW_MS);
    expect((await check(deps, metrics.prometheus.url)).counts).toMatchObject({ idle: 1, flippedLow: 1 });
    // … and one GPU back at work ends the streak.
    metrics.exporter.setGpuPod(ns, pod!, [0, 0, 0, 90, 0, 0, 0, 0]);
    await sleep(2_000);
    expect((await check(deps, metrics.prometheus.url)).counts).toMatchObject({ busy: 1, flippedBack: 1 });
    const after = (await deps.store.get(key))!;
    expect(after.lowUtilizationSince).toBeUndefined();
    expect(after.events.slice(-2).map((e) => e.reason)).toEqual(["UtilizationLow", "UtilizationNormal"]);
  });

  it("never terminates on missing, partial or stale data, and skips series without pod labels", async () => {
    const ns = await namespace("util-missing");
    await setConfig(deps, monitoring(ns, { terminateUnderutilized: true, terminateUnderutilizedAfter: "1s" }));
    const missing = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 1, prefix: "missing" });
    const partial = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 2, prefix: "partial" });
    const stale = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 1, prefix: "stale" });
    metrics.exporter.setGpuPod(ns, partial.pods[0]!, [0]); // one GPU of two reports
    metrics.exporter.setGpuPod(ns, stale.pods[0]!, [0]);
    metrics.exporter.addUnmappedGpu(0);
    await sleep(2_000);
    metrics.exporter.removePod(ns, stale.pods[0]!); // its exporter went quiet mid-window
    await sleep(3_500);

    const run = await check(deps, metrics.prometheus.url);
    expect(run.counts).toMatchObject({ checked: 3, unknown: 3, idle: 0, terminated: 0 });
    expect(run.counts.seriesWithoutPod).toBeGreaterThanOrEqual(1);
    for (const j of [missing, partial, stale]) {
      const job = (await deps.store.get(j.key))!;
      expect(job.state).toBe("RUNNING");
      expect(job.lowUtilizationSince).toBeUndefined();
    }
  });

  it("judges nothing during the warm-up after a job starts", async () => {
    const ns = await namespace("util-warmup");
    await setConfig(
      deps,
      monitoring(ns, { warmUp: "1h", terminateUnderutilized: true, terminateUnderutilizedAfter: "1s" }),
    );
    const { key, pods } = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 1 });
    // Labelled as Managed Prometheus keeps them: the workload's pod in exported_pod.
    metrics.exporter.setGpuPod(ns, pods[0]!, [0], { exportedLabels: true });
    await sleep(FULL_WINDOW_MS);
    const run = await check(deps, metrics.prometheus.url);
    expect(run.counts).toMatchObject({ checked: 1, unknown: 1, idle: 0, terminated: 0 });
    expect((await deps.store.get(key))!).toMatchObject({ state: "RUNNING" });

    // The same idle samples with a warm-up already past: idle.
    await setConfig(deps, monitoring(ns, { warmUp: "1s" }));
    expect((await check(deps, metrics.prometheus.url)).counts).toMatchObject({ idle: 1 });
  });

  it("reads TPU duty cycle and TensorCore utilization when the profile includes TPUs", async () => {
    const ns = await namespace("util-tpu");
    await setConfig(deps, monitoring(ns, { profile: "gpu" }));
    const { pods } = await runningJob(deps, ns, { accelerator: "tpu-v6e-8", prefix: "tpu" });
    metrics.exporter.setTpuPod(ns, pods[0]!, { dutyCycle: Array(8).fill(0), tensorcore: Array(8).fill(0) });
    await sleep(FULL_WINDOW_MS);
    expect((await check(deps, metrics.prometheus.url)).counts).toMatchObject({ checked: 0 });
    await setConfig(deps, monitoring(ns, { profile: "all" }));
    const run = await check(deps, metrics.prometheus.url);
    expect(run).toMatchObject({ queries: 2, counts: { checked: 1, idle: 1 } });
  });
});

describe("checkUtilization: the metrics endpoint and the operator config", () => {
  let server: Server;
  let apiUrl: string;
  let sb: Sandbox;
  beforeAll(async () => {
    const api = {
      ...deps,
      auth: createAuthenticator({ staticTokens: [{ name: "ops", token: OPERATOR_TOKEN }], allowedEmails: [] }),
    };
    server = createApiApp(async () => api, [operatorConfigRoutes]).listen(0, "127.0.0.1");
    await new Promise<void>((r) => server.once("listening", () => r()));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sb = await sandbox();
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await sb?.cleanup();
  });

  it("terminates nothing and records why when the endpoint is unreachable or answers an error", async () => {
    const ns = await namespace("util-down");
    await setConfig(deps, monitoring(ns, { terminateUnderutilized: true, terminateUnderutilizedAfter: "1h" }));
    const { key, pods } = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 1 });
    metrics.exporter.setGpuPod(ns, pods[0]!, [0]);
    await sleep(FULL_WINDOW_MS);
    expect((await check(deps, metrics.prometheus.url)).counts).toMatchObject({ idle: 1, flippedLow: 1 });
    const low = (await deps.store.get(key))!.lowUtilizationSince;

    await setConfig(deps, monitoring(ns, { terminateUnderutilized: true, terminateUnderutilizedAfter: "1s" }));
    const dead = `http://127.0.0.1:${await freePort()}`;
    for (const url of [dead, `${metrics.prometheus.url}/no-such-api`]) {
      const run = await check(deps, url);
      expect(run).toMatchObject({ status: "partial", counts: { terminated: 0, idle: 0, flippedBack: 0 } });
      expect(run.metricsError).toMatch(/metrics endpoint 127\.0\.0\.1:\d+ failed/);
      expect(await deps.utilizationRuns.get(run.runId)).toMatchObject({
        status: "partial",
        metricsError: run.metricsError,
      });
      expect((await deps.store.get(key))!).toMatchObject({ state: "RUNNING", lowUtilizationSince: low });
    }
  });

  it("applies a change made with `kinetic admin config set` on the next run, without a restart", async () => {
    const ns = await namespace("util-config");
    await setConfig(deps, monitoring(ns, { terminateUnderutilizedAfter: "1s" }));
    const { key, pods } = await runningJob(deps, ns, { accelerator: "nvidia-l4", gpus: 1 });
    metrics.exporter.setGpuPod(ns, pods[0]!, [0]);
    await sleep(FULL_WINDOW_MS);
    const before = await check(deps, metrics.prometheus.url);
    expect(before.counts).toMatchObject({ idle: 1, terminated: 0 });
    expect(before.settings.terminateUnderutilized).toBe(false);

    const env = { KINETIC_API_URL: apiUrl, KINETIC_PROJECT: "util-test", KINETIC_API_TOKEN: OPERATOR_TOKEN };
    const set = await sb.run(["admin", "config", "set", "resourceMonitoring.terminateUnderutilized=true"], env);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);

    const after = await check(deps, metrics.prometheus.url);
    expect(after.settings.terminateUnderutilized).toBe(true);
    expect(after.counts).toMatchObject({ terminated: 1 });
    expect((await deps.store.get(key))!).toMatchObject({ state: "FAILED", reason: "Underutilized" });
  });
});
