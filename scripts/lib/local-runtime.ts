/**
 * ClusterClient that runs workloads as processes on this machine: the
 * embedded backend of `npm start`. Each pod of the rendered Job or JobSet
 * becomes one process running the container's command + args with the
 * manifest's env (worker indexes resolved, KINETIC_OUTPUT_DIR under a local
 * folder, the coordinator at 127.0.0.1), in a working folder per job.
 *
 * The container image is ignored: the command runs with this machine's
 * interpreters and PATH, so a job must carry a command. Job semantics follow
 * the manifest: activeDeadlineSeconds kills the job (DeadlineExceeded), any
 * non-zero exit fails the whole job (the podFailurePolicy / maxRestarts 0
 * Kinetic renders), delete kills every pod. Each process runs in its own
 * process group; when a pod's main process ends the rest of its group is
 * killed, as a container's would be, and close() stops everything.
 *
 * State lives in memory: a restarted runtime has no workloads, so jobs it ran
 * before show as Missing. Logs are also written to `<rootDir>/jobs/<ns>/<name>/logs/`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { systemClock, type Clock } from "../../shared/clock.ts";
import { KineticError } from "../../shared/errors.ts";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../../shared/cluster/labels.ts";
import { planPods, type PodPlan } from "./local-pods.ts";
import { LOCAL_PREEMPTED_REASON } from "../../shared/jobs/attempts.ts";
import { workloadImage } from "./local-images.ts";
import type {
  ClusterClient,
  LogOptions,
  ManagedObject,
  SubmitResult,
  Workload,
  WorkloadRef,
  WorkloadStatus,
} from "../../shared/cluster/types.ts";

export interface LocalRuntimeOptions {
  /** Working folders and log files go under `<rootDir>/jobs/<namespace>/<name>/`. */
  rootDir: string;
  /** KINETIC_OUTPUT_DIR of every job is `<outputRoot>/<jobId>` (default `<rootDir>/outputs`). */
  outputRoot?: string;
  /** Time between SIGTERM and SIGKILL when a workload is stopped (default 5 s). */
  gracePeriodMs?: number;
  /** Host environment each process starts from (default: PATH, HOME, locale and interpreter variables of this process). */
  baseEnv?: Record<string, string>;
  clock?: Clock;
  /**
   * Unpacks a job's image into its folder and answers the directory its command runs in; undefined keeps the
   * job folder (an image that is not a local build). Without it every image is ignored (local-images.ts).
   */
  unpackImage?: (image: string, into: string) => Promise<string | undefined>;
}

/** The variables of the host environment a job sees; the control plane's own (tokens, emulator hosts) stay out. */
const PASS_THROUGH =
  /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|TZ|TERM|LC_[A-Z]+|PYENV_[A-Z_]+|VIRTUAL_ENV|CONDA_[A-Z_]+|JAVA_HOME)$/;
const LOG_MEMORY_LIMIT = 8 * 1024 * 1024;

export function hostBaseEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && PASS_THROUGH.test(k)) out[k] = v;
  return out;
}

/** Captured output of one pod: kept in memory (bounded) for logs(), appended to a file for people. */
class PodLog {
  private chunks: string[] = [];
  private bytes = 0;
  private dropped = false;
  private readonly listeners = new Set<(text: string) => void>();
  private readonly file: WriteStream;
  ended = false;
  private readonly endWaiters: Array<() => void> = [];
  private flushed?: Promise<void>;

  constructor(path: string) {
    this.file = createWriteStream(path, { flags: "a" });
    this.file.on("error", () => undefined); // a full disk must not crash the control plane
  }

  append(text: string): void {
    if (!text) return;
    this.chunks.push(text);
    this.bytes += Buffer.byteLength(text);
    while (this.bytes > LOG_MEMORY_LIMIT && this.chunks.length > 1) {
      this.bytes -= Buffer.byteLength(this.chunks.shift()!);
      this.dropped = true;
    }
    this.file.write(text);
    for (const l of this.listeners) l(text);
  }

  text(tailLines?: number): string {
    const all = (this.dropped ? "[earlier output dropped; see the log file]\n" : "") + this.chunks.join("");
    if (!tailLines) return all;
    const lines = all.split(/(?<=\n)/);
    return lines.slice(-tailLines).join("");
  }

  subscribe(fn: (text: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Ends the log; followers are released once the file is flushed, so what they saw is on disk too. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.listeners.clear();
    this.flushed = finished(this.file.end()).catch(() => undefined);
    void this.flushed.then(() => {
      for (const w of this.endWaiters.splice(0)) w();
    });
  }

  whenEnded(): Promise<void> {
    if (this.flushed) return this.flushed;
    return new Promise((r) => this.endWaiters.push(r));
  }
}

interface LocalPod {
  plan: PodPlan;
  child?: ChildProcess;
  phase: "Running" | "Succeeded" | "Failed";
  exitCode?: number;
  log: PodLog;
  done: Promise<void>;
}

interface Outcome {
  phase: "Succeeded" | "Failed";
  reason: string;
  message: string;
  exitCode?: number;
  finishedAt: string;
}

interface LocalWorkload {
  workload: Workload;
  ref: WorkloadRef;
  createdAt: string;
  startedAt: string;
  workDir: string;
  /** The processes' cwd: the image's working directory when it was unpacked, else workDir. */
  cwd?: string;
  pods: LocalPod[];
  outcome?: Outcome;
  timers: NodeJS.Timeout[];
}

const key = (ref: Pick<WorkloadRef, "kind" | "namespace" | "name">) => `${ref.kind}/${ref.namespace}/${ref.name}`;

export class LocalRuntime implements ClusterClient {
  private readonly workloads = new Map<string, LocalWorkload>();
  private readonly rootDir: string;
  readonly outputRoot: string;
  private readonly gracePeriodMs: number;
  private readonly baseEnv: Record<string, string>;
  private readonly clock: Clock;
  private readonly unpackImage: LocalRuntimeOptions["unpackImage"];
  private closed = false;
  /** Last resort when the owning process exits without close(): no job outlives it. */
  private readonly onExit = () => {
    for (const r of this.workloads.values())
      for (const p of r.pods) if (p.child && !p.log.ended) killGroup(p.child, "SIGKILL");
  };

  constructor(options: LocalRuntimeOptions) {
    this.rootDir = options.rootDir;
    this.outputRoot = options.outputRoot ?? join(options.rootDir, "outputs");
    this.gracePeriodMs = options.gracePeriodMs ?? 5_000;
    this.baseEnv = options.baseEnv ?? hostBaseEnv();
    this.clock = options.clock ?? systemClock;
    this.unpackImage = options.unpackImage;
    process.on("exit", this.onExit);
  }

  /** Where a job's KINETIC_OUTPUT_DIR lands on this machine: `<outputRoot>/<namespace>/<jobId>` (prefix layout). */
  outputDirOf(jobId: string, namespace = "default"): string {
    return join(this.outputRoot, namespace, jobId);
  }

  /** The working folder of a workload (its processes' cwd; logs under `logs/`). */
  workDirOf(ref: Pick<WorkloadRef, "namespace" | "name">): string {
    return join(this.rootDir, "jobs", ref.namespace, ref.name);
  }

  async dryRun(workload: Workload): Promise<void> {
    planPods(workload, { workDir: this.workDirOf(workload.metadata), outputRoot: this.outputRoot });
  }

  async submit(workload: Workload): Promise<SubmitResult> {
    const ref: WorkloadRef = {
      kind: workload.kind,
      name: workload.metadata.name,
      namespace: workload.metadata.namespace,
    };
    if (this.closed) throw new KineticError("cluster-unavailable", "the local runtime is shutting down");
    if (this.workloads.has(key(ref))) return { created: false, ref };
    const workDir = this.workDirOf(ref);
    const plans = planPods(workload, { workDir, outputRoot: this.outputRoot });
    mkdirSync(join(workDir, "logs"), { recursive: true });
    const image = this.unpackImage ? workloadImage(workload) : undefined;
    const cwd = image ? await this.unpackImage!(image, workDir) : undefined;
    if (this.workloads.has(key(ref))) return { created: false, ref };
    const now = this.clock.now().toISOString();
    // A suspended (queued) workload is admitted at once: there is no Kueue on one machine.
    const record: LocalWorkload = {
      workload,
      ref,
      createdAt: now,
      startedAt: now,
      workDir,
      ...(cwd ? { cwd } : {}),
      pods: [],
      timers: [],
    };
    this.workloads.set(key(ref), record);
    for (const plan of plans) record.pods.push(this.startPod(record, plan));
    const deadlines = new Map<number, number>();
    for (const p of plans) if (p.deadlineSeconds) deadlines.set(p.childJob, p.deadlineSeconds);
    for (const seconds of new Set(deadlines.values())) {
      const timer = setTimeout(() => {
        this.fail(record, {
          reason: "DeadlineExceeded",
          message: `Job was active longer than specified deadline (${seconds} s)`,
        });
      }, seconds * 1000);
      timer.unref();
      record.timers.push(timer);
    }
    return { created: true, ref };
  }

  private startPod(record: LocalWorkload, plan: PodPlan): LocalPod {
    const log = new PodLog(join(record.workDir, "logs", `${plan.name}.log`));
    for (const dir of Object.values(plan.mounts)) mkdirSync(dir, { recursive: true });
    if (plan.env.KINETIC_OUTPUT_DIR) mkdirSync(plan.env.KINETIC_OUTPUT_DIR, { recursive: true });
    const pod: LocalPod = { plan, phase: "Running", log, done: Promise.resolve() };
    let resolveDone!: () => void;
    pod.done = new Promise((r) => (resolveDone = r));
    let child: ChildProcess;
    try {
      child = spawn(plan.command[0]!, plan.command.slice(1), {
        cwd: record.cwd ?? record.workDir,
        env: { ...this.baseEnv, ...plan.env },
        detached: true, // its own process group, so a stop reaches the whole tree
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      this.podEnded(record, pod, 127, startFailure(plan, err));
      resolveDone();
      return pod;
    }
    pod.child = child;
    child.stdout!.setEncoding("utf8").on("data", (t: string) => log.append(t));
    child.stderr!.setEncoding("utf8").on("data", (t: string) => log.append(t));
    let settled = false;
    const settle = (code: number, note?: string) => {
      if (settled) return;
      settled = true;
      this.podEnded(record, pod, code, note);
      resolveDone();
    };
    child.once("error", (err) => settle(127, startFailure(plan, err)));
    // Like a container's: when the main process ends, whatever it left in its group goes too.
    child.once("exit", () => killGroup(child, "SIGKILL"));
    child.once("close", (code, signal) => settle(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
    return pod;
  }

  private podEnded(record: LocalWorkload, pod: LocalPod, exitCode: number, note?: string): void {
    if (note) pod.log.append(note);
    pod.exitCode = exitCode;
    pod.phase = exitCode === 0 ? "Succeeded" : "Failed";
    // The outcome is settled before the log ends, so a follower that wakes up sees the final status.
    if (exitCode !== 0) {
      this.fail(record, {
        reason: "PodFailurePolicy",
        message: `pod ${record.ref.namespace}/${pod.plan.name} (worker ${pod.plan.worker}) exited with code ${exitCode}`,
        exitCode,
      });
    } else if (!record.outcome && record.pods.every((p) => p.phase === "Succeeded") && record.pods.length > 0) {
      this.finish(record, { phase: "Succeeded", reason: "Completed", message: "all pods succeeded" });
    }
    pod.log.end();
  }

  private fail(record: LocalWorkload, outcome: { reason: string; message: string; exitCode?: number }): void {
    if (record.outcome) return;
    this.finish(record, { phase: "Failed", ...outcome });
    void this.stopPods(record);
  }

  private finish(record: LocalWorkload, outcome: Omit<Outcome, "finishedAt">): void {
    record.outcome = { ...outcome, finishedAt: this.clock.now().toISOString() };
    for (const t of record.timers.splice(0)) clearTimeout(t);
    const ttl = ttlSeconds(record.workload);
    if (ttl !== undefined && this.workloads.get(key(record.ref)) === record) {
      // The TTL-after-finished controller's job; timers longer than setTimeout allows are capped.
      const timer = setTimeout(() => void this.delete(record.ref), Math.min(ttl * 1000, 2 ** 31 - 1));
      timer.unref();
      record.timers.push(timer);
    }
  }

  /** SIGTERM every live pod's group, SIGKILL after the grace period, and wait for all to end. */
  private async stopPods(record: LocalWorkload): Promise<void> {
    const live = record.pods.filter((p) => p.child && !p.log.ended);
    for (const p of live) killGroup(p.child!, "SIGTERM");
    const timer = setTimeout(() => live.forEach((p) => killGroup(p.child!, "SIGKILL")), this.gracePeriodMs);
    await Promise.all(record.pods.map((p) => p.done));
    clearTimeout(timer);
  }

  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    const record = this.workloads.get(key(ref));
    if (!record)
      return { phase: "Missing", reason: "NotFound", message: "the workload no longer exists on the cluster" };
    const pods = { pending: 0, running: 0, succeeded: 0, failed: 0 };
    for (const p of record.pods) {
      if (p.phase === "Running") pods.running++;
      else if (p.phase === "Succeeded") pods.succeeded++;
      else pods.failed++;
    }
    const o = record.outcome;
    if (o) {
      return {
        phase: o.phase,
        reason: o.reason,
        message: o.message,
        ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}),
        startedAt: record.startedAt,
        finishedAt: o.finishedAt,
        pods,
      };
    }
    return { phase: "Running", reason: "PodsRunning", startedAt: record.startedAt, pods };
  }

  /**
   * Stops a running workload as a spot reclaim would: its processes get SIGTERM (then SIGKILL after the grace
   * period) and it ends Failed with the disruption reason, so syncJobs starts the next attempt, which resumes
   * from the checkpoint dir. A finished or unknown workload is not preempted.
   */
  async preempt(ref: WorkloadRef): Promise<{ preempted: boolean }> {
    const record = this.workloads.get(key(ref));
    if (!record || record.outcome) return { preempted: false };
    // The outcome first: the exits that follow must not read as the program's own failure.
    this.finish(record, {
      phase: "Failed",
      reason: LOCAL_PREEMPTED_REASON,
      message: "preempted (kinetic jobs preempt): the pods were stopped as a spot reclaim would stop them",
    });
    await this.stopPods(record);
    return { preempted: true };
  }

  /** Stops the workload's processes (SIGTERM, then SIGKILL after the grace period) and forgets it; resolves once they are gone. */
  async delete(ref: WorkloadRef): Promise<{ deleted: boolean }> {
    const record = this.workloads.get(key(ref));
    if (!record) return { deleted: false };
    this.workloads.delete(key(ref));
    for (const t of record.timers.splice(0)) clearTimeout(t);
    await this.stopPods(record);
    return { deleted: true };
  }

  async deleteObject(
    obj: Pick<ManagedObject, "kind" | "apiVersion" | "name" | "namespace">,
  ): Promise<{ deleted: boolean }> {
    if (obj.kind !== "Job" && obj.kind !== "JobSet") return { deleted: false };
    return this.delete({ kind: obj.kind, name: obj.name, namespace: obj.namespace });
  }

  async logs(ref: WorkloadRef, options: LogOptions = {}): Promise<string> {
    const pods = this.selectPods(ref, options);
    return pods.map((p) => prefix(p.log.text(options.tailLines), pods.length > 1 ? p.plan.name : undefined)).join("");
  }

  async followLogs(ref: WorkloadRef, onChunk: (text: string) => void, options: LogOptions = {}): Promise<void> {
    const pods = this.selectPods(ref, options);
    const multi = pods.length > 1;
    await Promise.all(
      pods.map(async (p) => {
        // Whole lines only when several pods interleave, so each line keeps its pod prefix.
        let partial = "";
        const emit = (text: string) => {
          if (!multi) return onChunk(text);
          const lines = (partial + text).split(/(?<=\n)/);
          partial = lines.at(-1)!.endsWith("\n") ? "" : lines.pop()!;
          if (lines.length) onChunk(prefix(lines.join(""), p.plan.name));
        };
        const unsubscribe = p.log.ended ? () => undefined : p.log.subscribe(emit);
        emit(p.log.text(options.tailLines));
        await p.log.whenEnded();
        unsubscribe();
        if (partial) onChunk(prefix(partial + "\n", multi ? p.plan.name : undefined));
      }),
    );
  }

  private selectPods(ref: WorkloadRef, options: LogOptions): LocalPod[] {
    const record = this.workloads.get(key(ref));
    if (!record) return [];
    return record.pods.filter((p) => options.worker === undefined || p.plan.worker === options.worker);
  }

  async listManaged(namespace: string, kinds: string[], labelSelector?: string): Promise<ManagedObject[]> {
    const matches = parseSelector([`${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, labelSelector].filter(Boolean).join(","));
    const out: ManagedObject[] = [];
    for (const r of this.workloads.values()) {
      if (r.ref.namespace !== namespace || !kinds.includes(r.ref.kind) || !matches(r.workload.metadata.labels))
        continue;
      out.push({
        kind: r.ref.kind,
        apiVersion: r.workload.apiVersion,
        name: r.ref.name,
        namespace: r.ref.namespace,
        labels: { ...r.workload.metadata.labels },
        createdAt: r.createdAt,
        ...(r.outcome ? { finishedAt: r.outcome.finishedAt, phase: r.outcome.phase } : {}),
      });
    }
    return out;
  }

  /** Pids of the processes still running (one per live pod): for diagnostics and tests. */
  runningPids(): number[] {
    const pids: number[] = [];
    for (const r of this.workloads.values())
      for (const p of r.pods) if (p.child?.pid !== undefined && !p.log.ended) pids.push(p.child.pid);
    return pids;
  }

  /** Stops every process this runtime started. Submitting afterwards is refused. */
  async close(): Promise<void> {
    this.closed = true;
    const records = [...this.workloads.values()];
    for (const r of records) for (const t of r.timers.splice(0)) clearTimeout(t);
    await Promise.all(records.map((r) => this.stopPods(r)));
    process.off("exit", this.onExit);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* the group is gone already */
  }
}

function startFailure(plan: PodPlan, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const what =
    code === "ENOENT"
      ? "not found on this machine (the local runtime ignores the image and uses this machine's PATH)"
      : code === "EACCES"
        ? "not executable"
        : err instanceof Error
          ? err.message
          : String(err);
  return `kinetic local runtime: cannot start "${plan.command[0]}": ${what}\n`;
}

function ttlSeconds(workload: Workload): number | undefined {
  const ttl = (workload.spec as { ttlSecondsAfterFinished?: unknown }).ttlSecondsAfterFinished;
  return typeof ttl === "number" && ttl >= 0 ? ttl : undefined;
}

function prefix(text: string, pod: string | undefined): string {
  if (!pod) return text;
  return text
    .split(/(?<=\n)/)
    .map((l) => (l.length ? `[${pod}] ${l}` : l))
    .join("");
}

/** Equality-based label selectors (k=v, k==v, k!=v, k, !k), as the API server accepts them. */
export function parseSelector(selector: string): (labels: Record<string, string>) => boolean {
  const tests: Array<(labels: Record<string, string>) => boolean> = [];
  for (const raw of selector
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(!?)([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*))?$/.exec(raw);
    if (!m) {
      throw new KineticError("invalid-argument", `unsupported label selector term "${raw}" (use k=v, k!=v, k or !k)`, {
        issues: [{ field: "labelSelector", message: `unsupported term "${raw}"` }],
      });
    }
    const [, not, k, op, v] = m as unknown as [string, string, string, string | undefined, string | undefined];
    if (op === undefined) tests.push((l) => k in l !== (not === "!"));
    else if (not) throw new KineticError("invalid-argument", `label selector term "${raw}" mixes ! and an operator`);
    else if (op === "!=") tests.push((l) => l[k] !== v);
    else tests.push((l) => l[k] === v);
  }
  return (labels) => tests.every((t) => t(labels));
}
