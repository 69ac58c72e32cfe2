/**
 * A TEST DOUBLE of the Kinetic HTTP API (not the real functions/api): an
 * in-memory node:http server on 127.0.0.1 that implements the contract the
 * CLI is built against, so CLI tests can assert what users see. The lead's
 * end-to-end test covers the real API.
 *
 * Behaviour the tests rely on:
 * - POST /jobs needs `image` (a string) and `accelerator` (a string): else 400 with per-field issues.
 * - Each GET /jobs/{id} moves a job one step: QUEUED → RUNNING → SUCCEEDED,
 *   or FAILED when the image name contains "fail"; an image containing "slow"
 *   stays RUNNING for three more reads.
 * - `requests` records method, path, query and the Authorization header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JobRecord } from "../../../shared/schemas/job-record.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

export interface ApiTestDouble {
  url: string;
  jobs: Map<string, JobRecord>;
  requests: RecordedRequest[];
  /** Replace the JSON of the next GET /jobs/{id} (to simulate a server that drifted from the schema). */
  nextGetBody?: unknown;
  close(): Promise<void>;
}

const T0 = "2026-01-01T00:00:00.000Z";

export async function startApiTestDouble(): Promise<ApiTestDouble> {
  const jobs = new Map<string, JobRecord>();
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const runningReads = new Map<string, number>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, id: string) =>
    send(res, 404, { error: { code: "not-found", message: `job ${id} not found` } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
    });
    if (!req.headers.authorization?.startsWith("Bearer "))
      return send(res, 401, { error: { code: "unauthenticated", message: "missing bearer token" } });

    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "POST" && parts.length === 1 && parts[0] === "jobs") {
      const issues = [];
      if (typeof body?.image !== "string") issues.push({ field: "image", message: "required" });
      if (typeof body?.accelerator !== "string") issues.push({ field: "accelerator", message: "required" });
      else if (!/^(cpu|tpu-|nvidia-)/.test(body.accelerator))
        issues.push({ field: "accelerator", message: `unknown accelerator "${body.accelerator}"` });
      if (issues.length)
        return send(res, 400, { error: { code: "invalid-argument", message: "invalid job spec", issues } });
      const id = typeof body.id === "string" ? body.id : `job-${++seq}`;
      const existing = jobs.get(id);
      if (existing) return send(res, 200, { job: existing });
      const job: JobRecord = {
        id,
        state: "QUEUED",
        namespace: body.namespace ?? "default",
        accelerator: body.accelerator,
        image: body.image,
        createdAt: T0,
        updatedAt: T0,
        spec: body,
        events: [{ at: T0, state: "QUEUED", reason: "Accepted" }],
      };
      jobs.set(id, job);
      return send(res, 201, { job });
    }
    if (req.method === "GET" && parts.length === 1 && parts[0] === "jobs") {
      let list = [...jobs.values()];
      const state = url.searchParams.get("state");
      const namespace = url.searchParams.get("namespace");
      if (state) list = list.filter((j) => j.state === state);
      if (namespace) list = list.filter((j) => j.namespace === namespace);
      const accelerator = url.searchParams.get("accelerator");
      if (accelerator) list = list.filter((j) => j.accelerator === accelerator);
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const page = list.slice(start, start + limit);
      return send(res, 200, {
        jobs: page,
        ...(start + limit < list.length ? { nextCursor: String(start + limit) } : {}),
      });
    }
    const job = parts[0] === "jobs" && parts[1] ? jobs.get(parts[1]) : undefined;
    if (req.method === "GET" && parts.length === 2) {
      if (!job) return notFound(res, parts[1]!);
      if (double.nextGetBody !== undefined) {
        const b = double.nextGetBody;
        double.nextGetBody = undefined;
        return send(res, 200, b);
      }
      const reads = job.state === "RUNNING" ? (runningReads.get(job.id) ?? 0) + 1 : 0;
      runningReads.set(job.id, reads);
      const holding = job.image?.includes("slow") && reads <= 3;
      const next =
        job.state === "QUEUED"
          ? "RUNNING"
          : job.state === "RUNNING" && !holding
            ? job.image?.includes("fail")
              ? "FAILED"
              : "SUCCEEDED"
            : job.state;
      if (next !== job.state) {
        job.state = next;
        job.events!.push({ at: T0, state: next, reason: next === "FAILED" ? "BackoffLimitExceeded" : "Progress" });
        if (next === "FAILED") {
          job.reason = "BackoffLimitExceeded";
          job.exitCode = 3;
        }
      }
      return send(res, 200, { job });
    }
    if (req.method === "POST" && parts.length === 3 && parts[2] === "cancel") {
      if (!job) return notFound(res, parts[1]!);
      job.state = "CANCELLED";
      return send(res, 200, { job });
    }
    if (req.method === "GET" && parts.length === 3 && parts[2] === "logs") {
      if (!job) return notFound(res, parts[1]!);
      const worker = url.searchParams.get("worker") ?? "0";
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      if (url.searchParams.get("follow") !== "true")
        return res.end(`worker ${worker}: line 1\nworker ${worker}: line 2\n`);
      // Streamed in chunks, the last one after a pause, then the job "ends".
      for (let i = 1; i <= 3; i++) {
        res.write(`worker ${worker}: step ${i}\n`);
        await new Promise((r) => setTimeout(r, 30));
      }
      return res.end(`worker ${worker}: done\n`);
    }
    send(res, 404, { error: { code: "not-found", message: `no route ${req.method} ${url.pathname}` } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { error: { code: "internal", message: String(err) } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const double: ApiTestDouble = {
    url: `http://127.0.0.1:${port}`,
    jobs,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
  return double;
}
