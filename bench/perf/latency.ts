/**
 * Item 1 of issue 17: submission latency against its floor, in one process.
 *
 * Ours: submitJob's handler on a push delivery (decode, parse, validate,
 * record, render, create, SUBMITTED), receipt → handler done, with the
 * store and cluster ports wrapped in timing decorators for the per-step
 * breakdown. Floor: one bare Firestore create() of the same record plus one
 * bare Kubernetes create of the same rendered object, sequentially, with the
 * SDKs directly, against the same emulator and API server. The two alternate
 * (ours first, then the floor first) so drift on a noisy machine hits both.
 * The pure CPU steps are also timed alone over many iterations.
 */
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { handleJobMessage } from "../../functions/submit-job/handler.ts";
import { systemClock } from "../../shared/clock.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import { decodePubsubEvent } from "../../shared/jobs/envelope.ts";
import type { JobDeps } from "../../shared/jobs/submit.ts";
import { createLogger } from "../../shared/log.ts";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { loadRuntimeConfig } from "../../shared/runtime-config.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores } from "../../shared/stores.ts";
import { breakdown, STEPS, timed, Tracer, type Step } from "./timing.ts";
import { floorMessage, perfSpec, pushBody } from "./workload.ts";
import { keepAliveCreator } from "./keepalive.ts";

export interface LatencyOptions {
  /** Measured submissions (and as many floor runs). */
  n: number;
  /** Unmeasured rounds first (connections, JIT). */
  warmup: number;
  kubeconfigPath: string;
  /** An existing namespace. */
  namespace: string;
  /** Firestore project id of this run. */
  project: string;
  /** Id prefix, unique per run. */
  prefix: string;
}

export interface LatencyResult {
  /** receipt → handler done (object created, SUBMITTED recorded) */
  ours: number[];
  /** receipt → Kubernetes create answered */
  oursToObject: number[];
  floor: number[];
  floorFirestore: number[];
  floorKube: number[];
  /** The same Kubernetes create over one kept-alive connection (./keepalive.ts). */
  kubeKeepAlive: number[];
  /**
   * After the floor's creates: one update of the record with a lastUpdateTime precondition (the create's write
   * time). What a SUBMITTED move costs done as one conditional write instead of a transaction (read + commit).
   */
  preconditionUpdate: number[];
  steps: Record<Step, number[]>;
  /** Pure CPU per submission, µs, timed alone. */
  cpuUs: { decode: number; validate: number; render: number };
  firestorePerSubmission: { reads: number; writes: number };
  notCreated: number;
}

const quiet = createLogger({}, () => undefined);

export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  const db = new Firestore({ projectId: o.project });
  try {
    const tracer = new Tracer();
    const { store } = createStores(new FirestoreDocs(db), { clock: systemClock });
    const config = { ...loadRuntimeConfig({}), namespacePolicy: { "*": [o.namespace] } };
    const deps: JobDeps = {
      store: timed(store, "store", tracer),
      cluster: timed(KubeCluster.fromFile(o.kubeconfigPath), "cluster", tracer),
      config,
      clock: systemClock,
      log: quiet,
    };
    const kc = new KubeConfig();
    kc.loadFromFile(o.kubeconfigPath);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const floorCol = db.collection("perf-floor");
    const keepAlive = await keepAliveCreator(kc);

    const r: LatencyResult = {
      ours: [],
      oursToObject: [],
      floor: [],
      floorFirestore: [],
      floorKube: [],
      kubeKeepAlive: [],
      preconditionUpdate: [],
      steps: Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as unknown as Record<Step, number[]>,
      cpuUs: cpuSteps(o.namespace),
      firestorePerSubmission: { reads: 0, writes: 0 },
      notCreated: 0,
    };
    const ours = async (i: number, measured: boolean) => {
      const body = pushBody(perfSpec(`${o.prefix}-o${i}`, o.namespace));
      const event = { id: body.message.messageId, time: body.message.publishTime, data: body };
      const t = await tracer.trace(() => handleJobMessage(deps, event));
      if (!measured) return;
      if (t.value?.status !== "created") r.notCreated++;
      r.ours.push(t.end - t.start);
      const submit = t.spans.find((s) => s.name === "cluster.submit");
      if (submit) r.oursToObject.push(submit.end - t.start);
      const b = breakdown(t);
      if (b) for (const s of STEPS) r.steps[s].push(b[s]);
    };
    const floor = async (i: number, measured: boolean) => {
      const msg = floorMessage(`${o.prefix}-f${i}`, o.namespace);
      const t0 = performance.now();
      const written = await floorCol.doc(msg.key).create(msg.doc);
      const t1 = performance.now();
      await objects.create(msg.object as unknown as KubernetesObject);
      const t2 = performance.now();
      await floorCol.doc(msg.key).update({ state: "SUBMITTED" }, { lastUpdateTime: written.writeTime });
      const t3 = performance.now();
      if (!measured) return;
      r.floor.push(t2 - t0);
      r.floorFirestore.push(t1 - t0);
      r.floorKube.push(t2 - t1);
      r.preconditionUpdate.push(t3 - t2);
      const ka = floorMessage(`${o.prefix}-k${i}`, o.namespace).object;
      const t4 = performance.now();
      await keepAlive.create(ka);
      r.kubeKeepAlive.push(performance.now() - t4);
    };
    for (let i = 0; i < o.warmup; i++) {
      await ours(-i - 1, false);
      await floor(-i - 1, false);
    }
    const before = { ...store.stats };
    for (let i = 0; i < o.n; i++) {
      if (i % 2 === 0) {
        await ours(i, true);
        await floor(i, true);
      } else {
        await floor(i, true);
        await ours(i, true);
      }
    }
    keepAlive.close();
    r.firestorePerSubmission = {
      reads: (store.stats.reads - before.reads) / o.n,
      writes: (store.stats.writes - before.writes) / o.n,
    };
    return r;
  } finally {
    await db.terminate();
  }
}

/** The pure steps alone, µs per submission (median of 5 batches of 200). */
function cpuSteps(namespace: string): LatencyResult["cpuUs"] {
  const config = loadRuntimeConfig({});
  const body = pushBody(perfSpec("cpu-probe", namespace));
  const event = { id: body.message.messageId, data: body };
  const spec = parseJobSpec(JSON.parse(decodePubsubEvent(event).text));
  const time = (fn: () => unknown) => {
    const batches: number[] = [];
    for (let b = 0; b < 5; b++) {
      const t = performance.now();
      for (let i = 0; i < 200; i++) fn();
      batches.push(((performance.now() - t) * 1000) / 200);
    }
    return batches.sort((a, b) => a - b)[2]!;
  };
  return {
    decode: time(() => JSON.parse(decodePubsubEvent(event).text)),
    validate: time(() => parseJobSpec(JSON.parse(decodePubsubEvent(event).text))),
    render: time(() =>
      renderWorkload("cpu-probe", spec, {
        outputDirBase: config.outputDirBase,
        defaultTtlSeconds: config.defaultTtlSeconds,
      }),
    ),
  };
}
