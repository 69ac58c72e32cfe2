/**
 * Typed client for the Kinetic HTTP API. Every response is parsed with the
 * shared schemas (zodfetch style), so a server that drifts from the contract
 * fails here with the offending field named, not three calls later.
 */
import { z } from "zod";
import { ERROR_CODES, KineticError, type ErrorCode, type FieldIssue } from "../errors.ts";
import { ErrorResponse, JobListResponse, JobRecord } from "../schemas/job-record.ts";
import type { JobState } from "../schemas/job-state.ts";

export const JobResponse = z.object({ job: JobRecord });
export type JobResponse = z.infer<typeof JobResponse>;

/** An error answer from the API (or no answer at all, as code "unavailable"). */
export const JobOutputs = z.object({
  jobId: z.string(),
  namespace: z.string(),
  outputDir: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number(), updated: z.string().optional() })),
});
export type JobOutputs = z.infer<typeof JobOutputs>;

export class ApiError extends KineticError {
  override name = "ApiError";
  /** HTTP status, or 0 when the server could not be reached. */
  readonly httpStatus: number;
  constructor(code: ErrorCode, message: string, httpStatus: number, issues: FieldIssue[] = [], cause?: unknown) {
    super(code, message, { issues, cause });
    this.httpStatus = httpStatus;
  }
}

export interface ApiClientOptions {
  /** e.g. https://us-central1-my-project.cloudfunctions.net/api (no trailing slash needed). */
  baseUrl: string;
  /** Called once per request; the value goes only into the Authorization header. */
  token: () => Promise<string>;
  fetch?: typeof fetch;
}

export interface ListJobsQuery {
  state?: JobState;
  namespace?: string;
  /** The canonical accelerator name as stored (`nvidia-l4`, `tpu-v6e-8`, `cpu`). */
  accelerator?: string;
  limit?: number;
  cursor?: string;
}

/** Which job: ids are unique per namespace; without one, the server finds the id among the caller's namespaces. */
export interface JobRef {
  namespace?: string;
}

export interface LogsQuery extends JobRef {
  worker?: number;
  tail?: number;
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return "invalid-argument";
  if (status === 401) return "unauthenticated";
  if (status === 403) return "permission-denied";
  if (status === 404) return "not-found";
  if (status === 409) return "failed-precondition";
  // The front end's or functions-framework's own answers to a body it will not take.
  if (status === 413) return "payload-too-large";
  if (status === 415) return "unsupported-media-type";
  if (status === 429) return "resource-exhausted";
  if (status === 503 || status === 502 || status === 504) return "unavailable";
  return "internal";
}

function issuesOf(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
    .join("; ");
}

export class KineticApiClient {
  private readonly baseUrl: string;
  private readonly token: () => Promise<string>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** POST /jobs. `created` is false when a job with the spec's id already existed (HTTP 200). */
  async submitJob(spec: Record<string, unknown>): Promise<{ job: JobRecord; created: boolean }> {
    const res = await this.request("POST", "/jobs", { body: spec });
    const { job } = await this.parse(res, JobResponse, "POST /jobs");
    return { job, created: res.status === 201 };
  }

  async listJobs(query: ListJobsQuery = {}): Promise<JobListResponse> {
    const res = await this.request("GET", "/jobs", { query: { ...query } });
    return this.parse(res, JobListResponse, "GET /jobs");
  }

  async getJob(id: string, ref: JobRef = {}): Promise<JobRecord> {
    const res = await this.request("GET", `/jobs/${encodeURIComponent(id)}`, { query: { ...ref } });
    return (await this.parse(res, JobResponse, "GET /jobs/{id}")).job;
  }

  /** With a namespace, a cancel may overtake its submission (the late submission never runs). */
  async cancelJob(id: string, ref: JobRef = {}): Promise<JobRecord> {
    const res = await this.request("POST", `/jobs/${encodeURIComponent(id)}/cancel`, { query: { ...ref } });
    return (await this.parse(res, JobResponse, "POST /jobs/{id}/cancel")).job;
  }

  /** POST /jobs/{id}/preempt: stop the job as a spot reclaim would (local mode); it resumes as its next attempt. */
  async preemptJob(id: string, ref: JobRef = {}): Promise<{ job: JobRecord; preempted: boolean }> {
    const res = await this.request("POST", `/jobs/${encodeURIComponent(id)}/preempt`, {
      query: { ...ref },
      tolerate: (status) => status === 409,
    });
    return this.parse(res, JobResponse.extend({ preempted: z.boolean() }), "POST /jobs/{id}/preempt");
  }

  /** GET /jobs/{id}/outputs: the files under the job's output dir (also after its workload is gone). */
  async listOutputs(id: string, ref: JobRef = {}): Promise<JobOutputs> {
    const res = await this.request("GET", `/jobs/${encodeURIComponent(id)}/outputs`, { query: { ...ref } });
    return this.parse(res, JobOutputs, "GET /jobs/{id}/outputs");
  }

  /** GET /jobs/{id}/outputs/{path}: one output file's bytes, as a streaming response. */
  async openOutput(id: string, path: string, ref: JobRef = {}): Promise<Response> {
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/outputs/${encoded}`, { query: { ...ref } });
  }

  async logs(id: string, query: LogsQuery = {}): Promise<string> {
    const res = await this.request("GET", `/jobs/${encodeURIComponent(id)}/logs`, { query: { ...query } });
    return res.text();
  }

  /** Streams log text until the server ends the response (when the job ends). */
  async *followLogs(id: string, query: LogsQuery = {}, signal?: AbortSignal): AsyncGenerator<string> {
    const res = await this.request("GET", `/jobs/${encodeURIComponent(id)}/logs`, {
      query: { ...query, follow: "true" },
      signal,
    });
    if (!res.body) return;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  }

  /** One authenticated call; a non-2xx answer throws an ApiError unless `tolerate` accepts its status. */
  protected async request(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    opts: {
      body?: unknown;
      query?: Record<string, unknown>;
      signal?: AbortSignal;
      tolerate?: (status: number) => boolean;
    } = {},
  ): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.token()}`,
      accept: "application/json, text/plain",
    };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError("unavailable", `cannot reach the Kinetic API at ${this.baseUrl}: ${why}`, 0, [], err);
    }
    if (!res.ok && !opts.tolerate?.(res.status)) throw await this.errorFrom(res, `${method} ${path}`);
    return res;
  }

  protected async errorFrom(res: Response, what: string): Promise<ApiError> {
    const text = await res.text().catch(() => "");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = ErrorResponse.safeParse(body);
    if (parsed.success) {
      const { code, message, issues } = parsed.data.error;
      const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : codeForStatus(res.status);
      return new ApiError(known, message, res.status, issues ?? []);
    }
    // Not our error shape (a proxy or the Google front end answered): keep it short.
    const snippet = text
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 200);
    return new ApiError(
      codeForStatus(res.status),
      `${what} failed with HTTP ${res.status}${snippet ? `: ${snippet}` : ""}`,
      res.status,
    );
  }

  protected async parse<T>(res: Response, schema: z.ZodType<T>, what: string): Promise<T> {
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError("internal", `unexpected response from ${what}: not JSON`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ApiError("internal", `unexpected response from ${what}: ${issuesOf(parsed.error)}`, res.status);
    return parsed.data;
  }
}
