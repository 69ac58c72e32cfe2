/**
 * `npm start`'s preemption demo: the bundled example (examples/train) runs with a few more epochs, is preempted
 * as a spot VM would be once it has checkpointed epoch 3 (`kinetic jobs preempt`, POST /jobs/{id}/preempt), and
 * resumes as attempt 2 from that checkpoint — the log shows "resumed from epoch=3", not a fresh start — to end
 * SUCCEEDED with both attempts on the record. Everything goes through the HTTP API, as the CLI would.
 *
 * Wiring (scripts/start.ts, after the regular example): `await runResumeExample({ repoRoot, apiUrl, token, say })`.
 */
import { randomBytes } from "node:crypto";
import { exampleSpec } from "../lib/run-example.ts";

export interface ResumeExampleOptions {
  repoRoot: string;
  apiUrl: string;
  token: string;
  say: (line: string) => void;
  /** Preempt once this epoch's line was printed (its checkpoint is written before the line). Default 3. */
  preemptAfterEpoch?: number;
  epochs?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ResumeExampleResult {
  job: {
    id: string;
    state: string;
    attempt?: number;
    attempts?: Array<{ attempt: number; outcome?: string; reason?: string }>;
  };
  /** The epoch attempt 2 resumed after ("resumed from epoch=N"), or undefined when it started over. */
  resumedFrom?: number;
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "REJECTED"]);

export async function runResumeExample(options: ResumeExampleOptions): Promise<ResumeExampleResult> {
  const { say } = options;
  const after = options.preemptAfterEpoch ?? 3;
  const epochs = options.epochs ?? 8;
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  const id = `example-resume-${randomBytes(3).toString("hex")}`;
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${options.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!res.ok && res.status !== 404)
      throw new Error(`${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const job = async () =>
    ((await (await call("GET", `/jobs/${id}`)).json()) as { job: ResumeExampleResult["job"] }).job;
  const logs = async () => (await call("GET", `/jobs/${id}/logs`)).text();
  const waitUntil = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`resume example: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const spec = { ...exampleSpec(options.repoRoot, "local", id), args: ["--epochs", String(epochs), "--sleep", "0.8"] };
  await call("POST", "/jobs", spec);
  say(`Submitted ${id} (${epochs} epochs, a checkpoint after each); it will be preempted after epoch ${after}`);
  await waitUntil(`epoch ${after}`, async () =>
    new RegExp(`^epoch=${after} `, "m").test(await logs()) ? true : undefined,
  );
  const preempt = await fetch(`${options.apiUrl}/jobs/${id}/preempt`, {
    method: "POST",
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (preempt.status !== 202) {
    const body = (await preempt.json().catch(() => ({}))) as {
      job?: { state?: string; reason?: string; message?: string };
    };
    throw new Error(
      `resume example: the preemption was refused (HTTP ${preempt.status}); the job is ${body.job?.state} ${body.job?.reason ?? ""} ${body.job?.message ?? ""}`,
    );
  }
  say(`  preempted after epoch ${after}, as a spot VM would be (kinetic jobs preempt ${id})`);
  const resumed = await waitUntil("attempt 2", async () => {
    const j = await job();
    return (j.attempt ?? 1) >= 2 || TERMINAL.has(j.state) ? j : undefined;
  });
  if (TERMINAL.has(resumed.state))
    throw new Error(`resume example: the job ended ${resumed.state} instead of resuming`);
  say(`  attempt 2 started from the checkpoint dir`);
  const done = await waitUntil("the job's end", async () => {
    const j = await job();
    return TERMINAL.has(j.state) ? j : undefined;
  });
  const text = await logs();
  for (const line of text.split("\n").filter(Boolean)) say(`    │ ${line}`);
  const from = /resumed from epoch=(\d+)/.exec(text)?.[1];
  const attempts = (done.attempts ?? []).map(
    (a) => `${a.attempt}: ${a.outcome ?? "running"}${a.reason ? ` (${a.reason})` : ""}`,
  );
  say(`  ${done.state} after ${done.attempts?.length ?? 1} attempts — ${attempts.join("; ")}`);
  return { job: done, ...(from ? { resumedFrom: Number(from) } : {}) };
}
