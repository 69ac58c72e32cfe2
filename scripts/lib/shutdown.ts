/**
 * Bounded shutdown for `npm start`. A request can hang for minutes (a
 * Firestore call retrying, a log stream), and Firestore's terminate() waits
 * for every pending call; Ctrl-C must not wait with them. So: servers drain
 * for a short grace period and then drop their connections, each stop step
 * has a time limit, the whole stop has a deadline after which the process
 * exits anyway (processes.ts's exit hook still kills the emulator process
 * groups), and a second Ctrl-C exits at once.
 */
import type { Server } from "node:http";

/** How long in-flight requests may finish before their connections are dropped. */
export const SERVER_GRACE_MS = 1_000;
/** How long one stop step may take before the next one runs. */
export const STEP_TIMEOUT_MS = 2_000;
/** From the first Ctrl-C to a forced exit. */
export const FORCE_EXIT_AFTER_MS = 8_000;

/** Stops accepting connections: idle ones close now, busy ones after `graceMs`, however their requests are doing. */
export function closeServer(server: Server, graceMs = SERVER_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export interface StopStep {
  what: string;
  stop: () => Promise<void> | void;
  /** Overrides STEP_TIMEOUT_MS (a step with its own escalation, like SIGTERM then SIGKILL). */
  timeoutMs?: number;
}

/** Resolves "done" when `p` settles, or "timeout" after `ms` (the timer never holds the process open). */
function within(p: Promise<unknown>, ms: number): Promise<"done" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
    timer.unref();
  });
  const done = p.then(
    () => "done" as const,
    () => "done" as const,
  );
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs the steps in order, each for at most its time limit. A step that
 * fails or hangs is reported and left behind; it never blocks the next.
 */
export async function runStopSteps(
  steps: StopStep[],
  report: (what: string, problem: string) => void,
  defaultTimeoutMs = STEP_TIMEOUT_MS,
): Promise<void> {
  for (const step of steps) {
    const timeoutMs = step.timeoutMs ?? defaultTimeoutMs;
    const run = Promise.resolve().then(() => step.stop());
    run.catch((err: unknown) => report(step.what, err instanceof Error ? err.message : String(err)));
    if ((await within(run, timeoutMs)) === "timeout")
      report(step.what, `still stopping after ${timeoutMs} ms; moving on`);
  }
}

export interface ShutdownOptions {
  /** The graceful stop (servers, clients, emulators). */
  stop: () => Promise<void>;
  /** Runs before every exit, graceful or forced (releases the data-folder lock). */
  release: () => void;
  exit: (code: number) => void;
  say: (line: string) => void;
  warn: (line: string) => void;
  forceAfterMs?: number;
}

export interface Shutdown {
  /** True once a stop has begun. */
  readonly stopping: boolean;
  /** Stops, then exits with `code`; by `forceAfterMs` at the latest. A second call does nothing. */
  begin(code: number): Promise<void>;
  /** Exits now (a second Ctrl-C). */
  force(): void;
}

export function createShutdown(o: ShutdownOptions): Shutdown {
  let stopping = false;
  const exit = (code: number) => {
    o.release();
    o.exit(code);
  };
  return {
    get stopping() {
      return stopping;
    },
    async begin(code) {
      if (stopping) return;
      stopping = true;
      o.say("Stopping Kinetic … (Ctrl-C again to force)");
      const forceAfterMs = o.forceAfterMs ?? FORCE_EXIT_AFTER_MS;
      const timer = setTimeout(() => {
        o.warn(`Kinetic did not stop within ${forceAfterMs / 1000} s; forcing exit.`);
        exit(code);
      }, forceAfterMs);
      try {
        await o.stop();
      } catch (err) {
        o.warn(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      clearTimeout(timer);
      o.say("Stopped.");
      exit(code);
    },
    force() {
      o.warn("Forced exit.");
      exit(130);
    },
  };
}
