/**
 * Child-process plumbing for local services (emulators, functions, clusters):
 * free ports, readiness polling, and process groups that are always stopped.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createServer, type Server } from "node:net";
import { openSync, readFileSync } from "node:fs";

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

/** The kernel's ephemeral port range; outgoing connections take their local ports from it. */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // Not Linux.
  }
  return [32768, 60999];
}

/**
 * Picks `count` distinct free TCP ports on 127.0.0.1 below the ephemeral range: the components bind them seconds
 * later, and a port from the ephemeral range may meanwhile become the local end of some outgoing connection (the
 * control plane opens many), which makes the later bind fail with "address already in use".
 */
export async function freePorts(count: number): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = ephemeralLow - 1;
  const servers: Server[] = [];
  try {
    const ports = new Set<number>();
    for (let attempt = 0; ports.size < count && attempt < count * 50; attempt++) {
      // Port 0 (any) only if the range below the ephemeral ports is implausibly small.
      const port = high > low + count * 10 ? low + Math.floor(Math.random() * (high - low)) : 0;
      if (ports.has(port)) continue;
      const s = await listenOn(port);
      if (s === undefined) continue;
      servers.push(s);
      const addr = s.address();
      if (addr !== null && typeof addr !== "string") ports.add(addr.port);
    }
    if (ports.size < count) throw new Error(`found only ${ports.size} of ${count} free TCP ports`);
    return [...ports];
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** One free TCP port on 127.0.0.1 (see freePorts). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 200, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

export async function waitForHttp(url: string, opts: { timeoutMs?: number; expect?: (body: string) => boolean } = {}) {
  await waitFor(
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      return res.ok && (opts.expect ? opts.expect(body) : true);
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, what: url },
  );
}

/** A process started in its own group, so stopping it also stops its children (gcloud → java). */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: a crashing parent must not leave emulators behind.
  process.on("exit", () => {
    for (const p of running) killGroup(p.child, "SIGKILL");
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { logFile?: string } = {},
): ManagedProcess {
  installExitHook();
  const out = options.logFile ? openSync(options.logFile, "a") : "ignore";
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", out, out] });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  const managed: ManagedProcess = {
    name,
    child,
    async stop(signal = "SIGTERM") {
      killGroup(child, signal);
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      // The group may outlive its leader (java under gcloud's python): sweep it.
      killGroup(child, "SIGKILL");
      // Only now: a process that exits while this stop waits is still killed by the exit hook.
      running.delete(managed);
    },
  };
  running.add(managed);
  return managed;
}

/** True while a process exists and is not a zombie (Linux /proc). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
