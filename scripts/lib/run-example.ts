/**
 * Runs the bundled example (examples/train) through the real event path: the
 * job spec is published to the jobs topic, the submitJob function takes it
 * from its push subscription, syncJobs moves it along, and progress is read
 * back through the HTTP API (state changes and the script's own output).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PubSub } from "@google-cloud/pubsub";
import { TOPICS } from "../../shared/bus/topics.ts";

export const EXAMPLE_DIR = "examples/train";

export interface ExampleJob {
  id: string;
  state: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  events?: Array<{ at: string; state: string; reason: string; message?: string }>;
  workload?: { kind: string; name: string; namespace: string };
}

export interface ExampleOptions {
  repoRoot: string;
  project: string;
  apiUrl: string;
  token: string;
  /** The local runtime runs the script from the repository; a real cluster gets it inline (the image has Python only). */
  target: "local" | "cluster";
  say: (line: string) => void;
  /** Gives up waiting when aborted (Ctrl-C). */
  signal?: AbortSignal;
}

/** submitJob records a job within a second or two; much longer means the push path is broken. */
const RECORD_TIMEOUT_MS = 60_000;
const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "REJECTED"]);

/** The example's job spec, adapted to where it runs. */
export function exampleSpec(repoRoot: string, target: "local" | "cluster", jobId: string): Record<string, unknown> {
  const dir = join(repoRoot, EXAMPLE_DIR);
  const spec = JSON.parse(readFileSync(join(dir, "job.json"), "utf8")) as Record<string, unknown> & {
    env?: Record<string, string>;
  };
  if (target === "local") return { ...spec, id: jobId, env: { ...spec.env, EXAMPLE_DIR: dir } };
  // Kubernetes expands $(EXAMPLE_SCRIPT) in the command, so the stock python image runs the script as is.
  return {
    ...spec,
    id: jobId,
    command: ["python3", "-u", "-c", "$(EXAMPLE_SCRIPT)"],
    env: { ...spec.env, EXAMPLE_SCRIPT: readFileSync(join(dir, "train.py"), "utf8") },
  };
}

export async function runExample(options: ExampleOptions): Promise<ExampleJob> {
  const { say } = options;
  const jobId = `example-train-${randomBytes(3).toString("hex")}`;
  const spec = exampleSpec(options.repoRoot, options.target, jobId);
  const pubsub = new PubSub({ projectId: options.project });
  try {
    const messageId = await pubsub
      .topic(TOPICS.jobs)
      .publishMessage({ data: Buffer.from(JSON.stringify(spec)), attributes: { jobId } });
    say(`Published job ${jobId} to topic ${TOPICS.jobs} (message ${messageId})`);
  } finally {
    await pubsub.close();
  }

  const api = new Api(options.apiUrl, options.token, options.signal);
  let seen = 0;
  let following: Promise<number> | undefined;
  const recordBy = Date.now() + RECORD_TIMEOUT_MS;
  for (;;) {
    const job = await api.job(jobId);
    if (!job && Date.now() > recordBy) {
      throw new Error(
        `job ${jobId} was not recorded within ${RECORD_TIMEOUT_MS / 1000} s of publishing: the submitJob function did not take it (see its log)`,
      );
    }
    if (job) {
      for (const e of (job.events ?? []).slice(seen)) {
        say(`  ${e.state.padEnd(10)} ${e.reason}${e.message ? ` — ${e.message}` : ""}`);
      }
      seen = Math.max(seen, job.events?.length ?? 0);
      if (job.workload && !following) following = api.followLogs(jobId, (line) => say(`    │ ${line}`));
      if (TERMINAL.has(job.state)) {
        const printed = following ? await following : 0;
        if (!printed && job.workload) {
          for (const line of (await api.logs(jobId)).split("\n").filter(Boolean)) say(`    │ ${line}`);
        }
        return job;
      }
    }
    await sleep(250, options.signal);
  }
}

class Api {
  private readonly base: string;
  private readonly token: string;
  private readonly signal: AbortSignal | undefined;

  constructor(base: string, token: string, signal?: AbortSignal) {
    this.base = base;
    this.token = token;
    this.signal = signal;
  }

  private fetch(path: string): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
      ...(this.signal ? { signal: this.signal } : {}),
    });
  }

  /** The job, or undefined until submitJob has recorded it. */
  async job(id: string): Promise<ExampleJob | undefined> {
    const res = await this.fetch(`/jobs/${encodeURIComponent(id)}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET /jobs/${id} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return ((await res.json()) as { job: ExampleJob }).job;
  }

  async logs(id: string): Promise<string> {
    const res = await this.fetch(`/jobs/${encodeURIComponent(id)}/logs`);
    return res.ok ? res.text() : "";
  }

  /** Streams whole lines until the job's pods end; resolves to the number of lines printed. */
  async followLogs(id: string, onLine: (line: string) => void): Promise<number> {
    let count = 0;
    try {
      const res = await this.fetch(`/jobs/${encodeURIComponent(id)}/logs?follow=true`);
      if (!res.ok || !res.body) return 0;
      let partial = "";
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        const lines = (partial + decoder.decode(chunk as Uint8Array, { stream: true })).split("\n");
        partial = lines.pop()!;
        for (const l of lines) {
          onLine(l);
          count++;
        }
      }
      if (partial) {
        onLine(partial);
        count++;
      }
    } catch {
      // The stream breaking (shutdown) only ends the live view; the final state still comes from the API.
    }
    return count;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
