/**
 * Spawns one function under functions-framework's real CLI (its own process,
 * bound to 127.0.0.1 by the chaos bench's loopback preload) and measures its
 * cold start: spawn → the port accepts a TCP connection (modules loaded, the
 * server listening), then → the first 2xx of a real request (the first
 * request builds the function's clients and opens its connections). The
 * listen probe is a bare TCP connect, so it sends no request that could
 * warm anything up.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort, startProcess, type ManagedProcess } from "../../scripts/lib/processes.ts";

const REPO = resolve(import.meta.dirname, "../..");
const LOOPBACK = join(REPO, "bench/chaos/loopback.ts");

export interface FunctionProcess {
  url: string;
  proc: ManagedProcess;
  /** performance.now() at spawn */
  spawnedAt: number;
  /** spawn → listening */
  listenMs: number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  target: string;
  /** The module that registers the function, relative to the repo root. */
  source: string;
  env: Record<string, string>;
  logFile: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  timeoutMs?: number;
}

export async function spawnFunction(o: SpawnOptions): Promise<FunctionProcess> {
  const port = await freePort();
  const main = join(dirname(createRequire(import.meta.url).resolve("@google-cloud/functions-framework")), "main.js");
  const t0 = performance.now();
  const proc = startProcess(
    o.target,
    process.execPath,
    [
      ...(o.nodeArgs ?? []),
      `--import=${LOOPBACK}`,
      main,
      `--target=${o.target}`,
      "--signature-type=http",
      `--source=${join(REPO, o.source)}`,
      `--port=${port}`,
    ],
    {
      cwd: REPO,
      logFile: o.logFile,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...o.env },
    },
  );
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  while (!(await accepts(port))) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${o.target} exited while starting:\n${tail(o.logFile)}`);
    }
    if (Date.now() > deadline) {
      await proc.stop("SIGKILL");
      throw new Error(`${o.target} did not listen on ${port}:\n${tail(o.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const listenMs = performance.now() - t0;
  return { url: `http://127.0.0.1:${port}`, proc, spawnedAt: t0, listenMs, stop: () => proc.stop("SIGTERM") };
}

export interface ColdStart {
  listenMs: number;
  /** spawn → first 2xx */
  firstOkMs: number;
  /** listening → first 2xx: the first request's own cost */
  firstRequestMs: number;
  /**
   * CPU time (user + system) the process used from spawn to its first 2xx. Far less sensitive than wall time
   * to other load on a shared machine: what the regression test compares.
   */
  cpuMs: number;
}

/** Spawns, sends `request` until it answers 2xx (a non-2xx is retried), and stops the process. */
export async function measureColdStart(
  o: SpawnOptions,
  request: (url: string) => Promise<Response>,
): Promise<ColdStart> {
  const fn = await spawnFunction(o);
  try {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    let last = "";
    for (;;) {
      const t = performance.now();
      const res = await request(fn.url).catch((err: unknown) => err as Error);
      if (res instanceof Response) {
        last = `${res.status} ${(await res.text()).slice(0, 300)}`;
        if (res.ok) {
          const firstOkMs = performance.now() - fn.spawnedAt;
          const cpuMs = cpuTimeMs(fn.proc.child.pid!);
          return { listenMs: fn.listenMs, firstOkMs, firstRequestMs: firstOkMs - fn.listenMs, cpuMs };
        }
      } else last = res.message;
      if (Date.now() > deadline) throw new Error(`${o.target}: no 2xx (last: ${last})\n${tail(o.logFile)}`);
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - (performance.now() - t))));
    }
  } finally {
    await fn.stop();
  }
}

/** User + system CPU time of a live process, from /proc (Linux; NaN elsewhere). Clock ticks are 10 ms here. */
function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of stat(5) (utime, stime), counted after the ")" that ends field 2.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-3_000);
  } catch {
    return "(no log)";
  }
}
