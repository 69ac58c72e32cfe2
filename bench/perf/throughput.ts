/**
 * Item 2 of issue 17: jobs/s per submitJob instance at 1, 8, 32 and 80
 * concurrent deliveries, beside the floor pipeline at the same concurrency.
 *
 * Both run as their own functions-framework process, spawned the same way
 * (./spawn.ts) and driven by the same HTTP driver: `c` deliveries in flight
 * at all times, each a push body POSTed and answered. submitJob is the real
 * module (functions/submit-job/index.ts: push auth, decode, the whole
 * submission); the floor is ./floor-function.ts (one bare Firestore create
 * and one bare Kubernetes create per delivery). A child process rather than
 * functions-framework in this process: the driver's own HTTP and JSON work
 * then does not share the function's event loop, as on Cloud Run, and the
 * floor gets the same treatment. Ours and the floor alternate per level.
 * After the run, every job's record and Kubernetes object are counted.
 */
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { BatchV1Api, KubeConfig } from "@kubernetes/client-node";
import { workloadName } from "../../shared/manifests/names.ts";
import { jobKey } from "../../shared/store/job-store.ts";
import { spawnFunction, type FunctionProcess } from "./spawn.ts";
import { floorMessage, perfSpec, pushBody } from "./workload.ts";

export const LEVELS = [1, 8, 32, 80] as const;

export interface LevelResult {
  concurrency: number;
  /** Deliveries per run; each of the three runs this many per round. */
  jobs: number;
  rounds: number;
  oursJobsPerS: number;
  floorJobsPerS: number;
  /** Medians over the rounds. The floor plus one conditional update after the creates (./floor-function.ts, tracked): not the goal's floor. */
  trackedFloorJobsPerS: number;
  oursErrors: number;
  floorErrors: number;
  /** Jobs of ours without a SUBMITTED record, or without their Kubernetes Job. */
  oursMissingRecords: number;
  oursMissingObjects: number;
  floorMissingRecords: number;
  floorMissingObjects: number;
  firstError?: string;
}

export interface ThroughputOptions {
  kubeconfigPath: string;
  namespace: string;
  project: string;
  prefix: string;
  /** Deliveries per level: max(minJobs, perSlot × concurrency). */
  minJobs?: number;
  perSlot?: number;
  levels?: readonly number[];
  /** Interleaved rounds per level (ours, floor and tracked floor each once a round, order rotated): medians reported. */
  rounds?: number;
  logDir: string;
  /** Emulator hosts etc. for the child processes. */
  env: Record<string, string>;
  /** Write a V8 CPU profile of each function process here (node --cpu-prof), on exit. */
  cpuProfDir?: string;
}

const PUSH_TOKEN = "perf-push-token";

export interface ThroughputResult {
  levels: LevelResult[];
  /** spawn → warmed up (loaded, first requests served), per process: what their CPU profiles should skip. */
  readyMs: { ours: number; floor: number };
}

export async function measureThroughput(o: ThroughputOptions): Promise<ThroughputResult> {
  const env = {
    ...o.env,
    METADATA_SERVER_DETECTION: "none",
    KINETIC_PROJECT: o.project,
    KINETIC_KUBECONFIG: o.kubeconfigPath,
    KINETIC_NAMESPACE_POLICY: JSON.stringify({ "*": [o.namespace] }),
    KINETIC_API_TOKENS: `pubsub-push=${PUSH_TOKEN}`,
  };
  const profile = (name: string) =>
    o.cpuProfDir
      ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`] }
      : {};
  const ours = await spawnFunction({
    target: "submitJob",
    source: "functions/submit-job/index.ts",
    env,
    logFile: `${o.logDir}/submitJob.log`,
    ...profile("submitJob"),
  });
  let floor: FunctionProcess | undefined;
  let tracked: FunctionProcess | undefined;
  const db = new Firestore({ projectId: o.project });
  try {
    floor = await spawnFunction({
      target: "perfFloor",
      source: "bench/perf/floor-function.ts",
      env,
      logFile: `${o.logDir}/perfFloor.log`,
      ...profile("perfFloor"),
    });
    tracked = await spawnFunction({
      target: "perfFloor",
      source: "bench/perf/floor-function.ts",
      env: { ...env, KINETIC_PERF_FLOOR_TRACKED: "1" },
      logFile: `${o.logDir}/perfFloorTracked.log`,
    });
    // Warm all three (first connections), unmeasured.
    await drive(ours.url, 4, 8, (i) => oursBody(o, `w${i}`));
    await drive(floor.url, 4, 8, (i) => floorBody(o, `w${i}`));
    await drive(tracked.url, 4, 8, (i) => floorBody(o, `t-w${i}`));
    const readyMs = { ours: performance.now() - ours.spawnedAt, floor: performance.now() - floor.spawnedAt };
    const out: LevelResult[] = [];
    for (const [li, c] of (o.levels ?? LEVELS).entries()) {
      const jobs = Math.max(o.minJobs ?? 40, (o.perSlot ?? 3) * c);
      const rounds = o.rounds ?? 3;
      const rates: [number[], number[], number[]] = [[], [], []];
      let oursRun: Awaited<ReturnType<typeof drive>> = { ms: 0, errors: 0 };
      let floorErrors = 0;
      for (let r = 0; r < rounds; r++) {
        const tag = rounds > 1 ? `r${r}-` : "";
        const runs = [
          () => drive(ours.url, c, jobs, (i) => oursBody(o, `${tag}c${c}-${i}`)),
          () => drive(floor!.url, c, jobs, (i) => floorBody(o, `${tag}c${c}-${i}`)),
          () => drive(tracked!.url, c, jobs, (i) => floorBody(o, `t-${tag}c${c}-${i}`)),
        ];
        // Rotate who goes first, so drift on a shared machine hits all three alike.
        for (let k = 0; k < runs.length; k++) {
          const at = (li + r + k) % runs.length;
          const run = await runs[at]!();
          rates[at]!.push(jobs / (run.ms / 1000));
          if (at === 0)
            oursRun = { ms: 0, errors: oursRun.errors + run.errors, firstError: oursRun.firstError ?? run.firstError };
          if (at === 1) floorErrors += run.errors;
        }
      }
      const ids = Array.from({ length: rounds }, (_, r) =>
        Array.from({ length: jobs }, (_, i) => `${o.prefix}-${rounds > 1 ? `r${r}-` : ""}c${c}-${i}`),
      ).flat();
      const counted = await count(db, o, ids);
      out.push({
        concurrency: c,
        jobs,
        rounds,
        oursJobsPerS: median(rates[0]),
        floorJobsPerS: median(rates[1]),
        trackedFloorJobsPerS: median(rates[2]),
        oursErrors: oursRun.errors,
        floorErrors,
        ...counted,
        ...(oursRun.firstError ? { firstError: oursRun.firstError } : {}),
      });
    }
    return { levels: out, readyMs };
  } finally {
    await Promise.allSettled([ours.stop(), floor?.stop(), tracked?.stop(), db.terminate()]);
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function oursBody(o: ThroughputOptions, suffix: string) {
  return pushBody(perfSpec(`${o.prefix}-${suffix}`, o.namespace));
}

function floorBody(o: ThroughputOptions, suffix: string) {
  return pushBody(floorMessage(`${o.prefix}-f-${suffix}`, o.namespace));
}

/** Keeps `concurrency` POSTs in flight until `jobs` were answered; a non-2xx or a failed POST is an error. */
async function drive(
  url: string,
  concurrency: number,
  jobs: number,
  body: (i: number) => unknown,
): Promise<{ ms: number; errors: number; firstError?: string }> {
  // Bodies are built before the clock starts: rendering the floor's object is not the floor's work.
  const payloads = Array.from({ length: jobs }, (_, i) => JSON.stringify(body(i)));
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        const payload = payloads[next++]!;
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${PUSH_TOKEN}` },
            body: payload,
            signal: AbortSignal.timeout(60_000),
          });
          const text = await res.text();
          if (!res.ok) {
            errors++;
            firstError ??= `${res.status} ${text.slice(0, 300)}`;
          }
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return { ms: performance.now() - t0, errors, ...(firstError ? { firstError } : {}) };
}

/** Counts the level's records (ours: SUBMITTED) and Kubernetes Jobs, for ours and the floor. */
async function count(db: Firestore, o: ThroughputOptions, ids: string[]) {
  const floorIds = ids.map((id) => id.replace(`${o.prefix}-`, `${o.prefix}-f-`));
  const read = async (collection: string, list: string[]) => {
    const snaps = await db.getAll(
      ...list.map((id) => db.collection(collection).doc(jobKey({ namespace: o.namespace, id }))),
    );
    return snaps.filter((s) => s.exists).map((s) => s.data()!);
  };
  const oursDocs = await read("jobs", ids);
  const floorDocs = await read("perf-floor", floorIds);
  const kc = new KubeConfig();
  kc.loadFromFile(o.kubeconfigPath);
  const batch = kc.makeApiClient(BatchV1Api);
  const names = new Set<string>();
  let cont: string | undefined;
  do {
    const page = await batch.listNamespacedJob({
      namespace: o.namespace,
      limit: 500,
      ...(cont ? { _continue: cont } : {}),
    });
    for (const j of page.items) names.add(j.metadata!.name!);
    cont = page.metadata?._continue;
  } while (cont);
  return {
    oursMissingRecords: ids.length - oursDocs.filter((d) => d.state === "SUBMITTED").length,
    oursMissingObjects: ids.filter((id) => !names.has(workloadName(id))).length,
    floorMissingRecords: floorIds.length - floorDocs.length,
    floorMissingObjects: floorIds.filter((id) => !names.has(workloadName(id))).length,
  };
}
