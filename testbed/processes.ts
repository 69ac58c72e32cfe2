// Child-process plumbing for the testbed: every component runs detached in its own process group with its output in a
// log file, and a process-wide registry kills whatever is still alive when the Node process exits or is interrupted,
// so a crashed or cancelled test run leaves nothing behind.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { join } from "node:path";

export interface Component {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** "code 3" / "signal SIGKILL" once exited. */
  exitStatus(): string | undefined;
}

const live = new Set<number>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

function killGroupSync(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function emergencyCleanup(): void {
  for (const pid of live) killGroupSync(pid, "SIGKILL");
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", emergencyCleanup);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      emergencyCleanup();
      // Keep the default "die on signal" behaviour unless someone else (e.g. vitest) handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/** Registers a directory to delete if the process dies before `stop()` runs. */
export function trackTempDir(dir: string): void {
  installHooks();
  tempDirs.add(dir);
}

export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}

export function startComponent(
  name: string,
  bin: string,
  args: readonly string[],
  opts: { logDir: string; env?: Record<string, string>; cwd?: string },
): Component {
  installHooks();
  const logPath = join(opts.logDir, `${name}.log`);
  const fd = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(bin, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      cwd: opts.cwd ?? opts.logDir,
      env: { ...process.env, ...opts.env },
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`testbed: could not start ${name} (${bin})`);
  const pid = child.pid;
  live.add(pid);
  let done = false;
  let status: string | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (err) => {
      done = true;
      status = `spawn error ${err.message}`;
      live.delete(pid);
      resolve({ code: null, signal: null });
    });
    child.once("exit", (code, signal) => {
      done = true;
      status = signal === null ? `code ${code}` : `signal ${signal}`;
      live.delete(pid);
      resolve({ code, signal });
    });
  });
  // The testbed must never keep the test runner's event loop alive.
  child.unref();
  return { name, pid, logPath, exited, hasExited: () => done, exitStatus: () => status };
}

/** Peak resident set size (VmHWM) in KiB, or undefined when /proc is unavailable or the process is gone. */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** SIGTERM the process group, then SIGKILL after `graceMs`; resolves once the leader has exited. */
export async function stopComponent(c: Component, graceMs = 3000): Promise<void> {
  if (c.hasExited()) {
    killGroupSync(c.pid, "SIGKILL");
    return;
  }
  killGroupSync(c.pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), graceMs);
  });
  const first = await Promise.race([c.exited, timedOut]);
  clearTimeout(timer);
  // Children of the leader (none expected) go too.
  killGroupSync(c.pid, "SIGKILL");
  if (first === "timeout") {
    await Promise.race([c.exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

export function logTail(c: Component, lines = 25): string {
  try {
    return readFileSync(c.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export interface ProbeOptions {
  readonly ca?: string;
  readonly token?: string;
  /** For components with their own self-signed serving certificate (controller manager, scheduler). */
  readonly insecure?: boolean;
}

/** One GET; resolves with status and body, or rejects on connection errors. 2-second timeout. */
export function probe(url: string, opts: ProbeOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const onRes = (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = url.startsWith("https:")
      ? httpsGet(url, { headers, ca: opts.ca, rejectUnauthorized: opts.insecure !== true, timeout: 2000 }, onRes)
      : httpGet(url, { headers, timeout: 2000 }, onRes);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
  });
}

/** Polls `check` until it returns true; fails early if `component` exits, with the tail of its log. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; components?: readonly Component[] },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = "";
  for (;;) {
    for (const c of opts.components ?? []) {
      if (c.hasExited()) {
        throw new Error(`testbed: ${c.name} exited (${c.exitStatus()}) while waiting for ${what}:\n${logTail(c)}`);
      }
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const logs = (opts.components ?? []).map((c) => `--- ${c.name} (${c.logPath})\n${logTail(c)}`).join("\n");
      throw new Error(
        `testbed: timed out after ${opts.timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}\n${logs}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
