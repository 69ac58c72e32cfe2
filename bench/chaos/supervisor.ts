/**
 * Runs submitJob as its own process under functions-framework (its real CLI,
 * on the module functions/deploy.ts declares), bound to 127.0.0.1 on a fixed
 * port, and SIGKILLs and restarts it on demand, as a crashed Cloud Run
 * instance is replaced. An exit it did not cause is counted and restarted too.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { startProcess, type ManagedProcess } from "../../scripts/lib/processes.ts";

const REPO = resolve(import.meta.dirname, "../..");
const READY_TIMEOUT_MS = 60_000;

export interface SupervisorOptions {
  port: number;
  /** Added to PATH and HOME: the emulators, project, kubeconfig and namespace policy. */
  env: Record<string, string>;
  /** The process's stdout/stderr (its JSON logs), appended across restarts. */
  logFile: string;
}

export class FunctionSupervisor {
  readonly url: string;
  kills = 0;
  /** Exits nobody asked for. */
  crashes = 0;
  /** Start → answering, per (re)start. */
  readonly startMs: number[] = [];
  private proc?: ManagedProcess;
  private expectingExit = false;
  private stopped = false;
  private restarting?: Promise<void>;
  private readonly options: SupervisorOptions;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.url = `http://127.0.0.1:${options.port}`;
  }

  async start(): Promise<void> {
    const spec = FUNCTIONS.find((f) => f.name === "submitJob")!;
    // The CLI (its package `bin`) sits beside the package's main module.
    const main = join(dirname(createRequire(import.meta.url).resolve("@google-cloud/functions-framework")), "main.js");
    const t0 = performance.now();
    this.expectingExit = false;
    const proc = startProcess(
      "submitJob",
      process.execPath,
      [
        `--import=${join(import.meta.dirname, "loopback.ts")}`,
        main,
        `--target=${spec.name}`,
        `--signature-type=${spec.signature}`,
        `--source=${join(REPO, spec.source)}`,
        `--port=${this.options.port}`,
      ],
      {
        cwd: REPO,
        logFile: this.options.logFile,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...this.options.env },
      },
    );
    this.proc = proc;
    proc.child.once("exit", () => {
      if (this.expectingExit || this.stopped || this.proc !== proc) return;
      this.crashes++;
      this.restarting ??= this.start().finally(() => (this.restarting = undefined));
    });
    await this.waitReady(proc);
    this.startMs.push(performance.now() - t0);
  }

  /** SIGKILL (the whole process group, no grace), then a fresh process on the same port. */
  async killAndRestart(): Promise<void> {
    await this.restarting;
    const proc = this.proc;
    if (!proc || this.stopped) return;
    this.expectingExit = true;
    await proc.stop("SIGKILL");
    this.kills++;
    if (!this.stopped) await this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.restarting?.catch(() => undefined);
    await this.proc?.stop("SIGTERM");
  }

  private async waitReady(proc: ManagedProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null)
        throw new Error(`submitJob exited while starting:\n${this.logTail()}`);
      if (Date.now() > deadline) throw new Error(`submitJob did not answer on ${this.url}:\n${this.logTail()}`);
      // Any answer (a GET is not an event) means the server listens.
      const up = await fetch(this.url, { signal: AbortSignal.timeout(1_000) }).then(
        async (r) => {
          await r.arrayBuffer();
          return true;
        },
        () => false,
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private logTail(): string {
    try {
      return readFileSync(this.options.logFile, "utf8").slice(-4_000);
    } catch {
      return "(no log)";
    }
  }
}
