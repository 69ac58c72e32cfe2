/**
 * Item 4 of issue 17: cold start of every deployed function (functions/
 * deploy.ts), process spawn → first 2xx of a real request, beside a bare
 * functions-framework function (./bare-function.ts) spawned the same way in
 * the same run; rounds interleave the functions so drift hits all alike.
 * Also what each function imports at load (./import-only.ts --trace, a
 * separate process so tracing never slows the timed spawns) and what the
 * heavy packages cost to import alone.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { measureColdStart, type ColdStart } from "./spawn.ts";
import { floorMessage, perfSpec, pushBody } from "./workload.ts";

const REPO = resolve(import.meta.dirname, "../..");
const TOKEN = "perf-cold-token";

export interface ColdStartOptions {
  kubeconfigPath: string;
  namespace: string;
  /** Firestore project prefix: each function gets its own project. */
  project: string;
  rounds: number;
  logDir: string;
  env: Record<string, string>;
  /** Only these functions (default: all of deploy.ts). */
  only?: string[];
  /** More entries to time, e.g. a function from the built bundle: name shown, target, module. */
  extra?: Array<{ name: string; target: string; source: string }>;
}

/**
 * The SDK floor of a cold start: ./floor-function.ts, functions-framework plus
 * the Firestore and Kubernetes clients, answering its first delivery with one
 * create of each. What any submitJob built on these SDKs pays at least.
 */
export const SDK_FLOOR = { name: "SDK floor", target: "perfFloor", source: "bench/perf/floor-function.ts" };

export interface ColdStartResult {
  bare: ColdStart[];
  functions: Record<string, ColdStart[]>;
}

/** The first request each function answers 2xx, as its real caller sends it. */
function firstRequest(name: string, namespace: string, round: number): (url: string) => Promise<Response> {
  const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  switch (name) {
    case "submitJob": {
      // One body per round: a retried poll is the same delivery (same id).
      const body = JSON.stringify(pushBody(perfSpec(`cold-${round}-${Date.now()}`, namespace)));
      return (url) => fetch(url, { method: "POST", headers: auth, body, signal: AbortSignal.timeout(30_000) });
    }
    case "api":
      return (url) =>
        fetch(`${url}/jobs?namespace=${namespace}`, { headers: auth, signal: AbortSignal.timeout(30_000) });
    case "syncJobs":
      return (url) => fetch(url, { method: "POST", headers: auth, body: "{}", signal: AbortSignal.timeout(30_000) });
    case "perfFloor": {
      const body = JSON.stringify(pushBody(floorMessage(`cold-floor-${round}-${Date.now()}`, namespace)));
      return (url) => fetch(url, { method: "POST", headers: auth, body, signal: AbortSignal.timeout(30_000) });
    }
    case "cleanupTtl": {
      // A dry run over the bench's namespace: a whole pass over a shared testbed would time the testbed, not the start.
      const body = JSON.stringify({ dryRun: true, namespace });
      return (url) => fetch(url, { method: "POST", headers: auth, body, signal: AbortSignal.timeout(30_000) });
    }
    default:
      return (url) => fetch(url, { signal: AbortSignal.timeout(30_000) });
  }
}

export async function measureColdStarts(o: ColdStartOptions): Promise<ColdStartResult> {
  const fns = [
    ...FUNCTIONS.filter((f) => !o.only || o.only.includes(f.name)).map((f) => ({
      name: f.name,
      target: f.name,
      source: f.source,
    })),
    ...(o.extra ?? []),
  ];
  const out: ColdStartResult = { bare: [], functions: Object.fromEntries(fns.map((f) => [f.name, []])) };
  for (let round = 0; round < o.rounds; round++) {
    // Rotate the order each round.
    const order = ["bare", ...fns.map((f) => f.name)];
    const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
    for (const name of rotated) {
      const fn = fns.find((f) => f.name === name);
      const env = {
        ...o.env,
        METADATA_SERVER_DETECTION: "none",
        KINETIC_PROJECT: `${o.project}-${(fn?.target ?? "bare").toLowerCase()}`,
        KINETIC_KUBECONFIG: o.kubeconfigPath,
        // Everyone may do everything: the cleanupTtl request is a manual (operator) run.
        KINETIC_NAMESPACE_POLICY: JSON.stringify({ "*": ["*"] }),
        KINETIC_API_TOKENS: `perf=${TOKEN}`,
      };
      const r = await measureColdStart(
        {
          target: fn ? fn.target : "perfBare",
          source: fn ? fn.source : "bench/perf/bare-function.ts",
          env,
          logFile: join(o.logDir, `cold-${name.replace(/\W+/g, "-")}.log`),
        },
        firstRequest(fn?.target ?? "bare", o.namespace, round),
      );
      if (fn) out.functions[name]!.push(r);
      else out.bare.push(r);
    }
  }
  return out;
}

export interface ImportProfile {
  name: string;
  importMs: number;
  modules: number;
  /** Packages (and Kinetic folders) by modules loaded, most first. */
  packages: Array<[string, number]>;
}

/** What a module loads when imported, in a fresh process, and how long that import took (traced). */
export function importProfile(name: string, source: string, traceFile: string): ImportProfile {
  const { ms } = JSON.parse(
    execFileSync(process.execPath, [join(REPO, "bench/perf/import-only.ts"), source, `--trace=${traceFile}`], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, METADATA_SERVER_DETECTION: "none" },
    }),
  ) as { ms: number };
  const urls = JSON.parse(readFileSync(traceFile, "utf8")) as string[];
  const counts = new Map<string, number>();
  for (const u of urls) {
    if (u.startsWith("node:")) continue;
    counts.set(packageOf(u), (counts.get(packageOf(u)) ?? 0) + 1);
  }
  return {
    name,
    importMs: ms,
    modules: urls.filter((u) => !u.startsWith("node:")).length,
    packages: [...counts].sort((a, b) => b[1] - a[1]),
  };
}

/** Import time of one package alone, in a fresh process (median of `runs`). */
export function packageImportMs(pkg: string, runs = 1): number {
  const times = Array.from(
    { length: runs },
    () =>
      (
        JSON.parse(
          execFileSync(process.execPath, [join(REPO, "bench/perf/import-only.ts"), pkg], {
            cwd: REPO,
            encoding: "utf8",
          }),
        ) as { ms: number }
      ).ms,
  ).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

function packageOf(url: string): string {
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (m) return m.at(-1)!.replace("node_modules/", "");
  const rel = url.replace(`file://${REPO}/`, "");
  return `(kinetic) ${rel.split("/").slice(0, -1).join("/") || rel}`;
}
