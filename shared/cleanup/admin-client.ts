/**
 * Client for the admin endpoints (functions/api/admin-routes.ts), used by the
 * CLI's diagnose/clean/clean-all/jobs delete commands. Same base URL and
 * bearer token as the jobs API client; answers are checked against schemas
 * so a drifting server fails here with the field named.
 */
import { z } from "zod";
import { ApiError } from "../client/api-client.ts";
import { ERROR_CODES, type ErrorCode } from "../errors.ts";
import { ErrorResponse } from "../schemas/job-record.ts";

const Item = z.object({
  action: z.enum(["deleted", "would-delete", "kept", "already-gone", "purged", "would-purge", "error"]),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  jobId: z.string().optional(),
  reason: z.string(),
});
export type AdminItem = z.infer<typeof Item>;

const Counts = z.object({
  deleted: z.number(),
  wouldDelete: z.number(),
  kept: z.number(),
  alreadyGone: z.number(),
  purged: z.number(),
  wouldPurge: z.number(),
  errors: z.number(),
});

export const RunSummaryResponse = z.object({
  runId: z.string(),
  status: z.enum(["running", "completed", "failed", "skipped", "duplicate", "interrupted"]),
  dryRun: z.boolean(),
  counts: Counts,
  items: z.array(Item),
  itemsTruncated: z.number(),
  message: z.string().optional(),
});
export type RunSummaryResponse = z.infer<typeof RunSummaryResponse>;

export const DiagnoseResponse = z.object({
  namespace: z.string(),
  resources: z.array(
    z.object({
      kind: z.string(),
      namespace: z.string(),
      name: z.string(),
      jobId: z.string().optional(),
      phase: z.string().optional(),
      jobState: z.string().optional(),
      createdAt: z.string().optional(),
      finishedAt: z.string().optional(),
      cleanup: z.object({ action: Item.shape.action, reason: z.string() }).optional(),
    }),
  ),
  byKind: z.record(z.string(), z.number()),
  plan: z.object({ counts: Counts, items: z.array(Item) }),
});
export type DiagnoseResponse = z.infer<typeof DiagnoseResponse>;

export const WorkloadsResponse = z.object({
  namespace: z.string(),
  workloads: z.array(
    z.object({
      kind: z.string(),
      namespace: z.string(),
      name: z.string(),
      jobId: z.string().optional(),
      phase: z.string(),
      jobState: z.string().optional(),
      createdAt: z.string().optional(),
      finishedAt: z.string().optional(),
    }),
  ),
});
export type WorkloadsResponse = z.infer<typeof WorkloadsResponse>;

export const DeleteJobResponse = z.object({ jobId: z.string(), state: z.string(), items: z.array(Item) });
export type DeleteJobResponse = z.infer<typeof DeleteJobResponse>;

export interface AdminClientOptions {
  baseUrl: string;
  token: () => Promise<string>;
  fetch?: typeof fetch;
}

export class AdminApiClient {
  private readonly baseUrl: string;
  private readonly token: () => Promise<string>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: AdminClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? fetch;
  }

  diagnose(namespace: string): Promise<DiagnoseResponse> {
    return this.call("GET", "/admin/diagnose", DiagnoseResponse, { query: { namespace } });
  }

  workloads(namespace: string): Promise<WorkloadsResponse> {
    return this.call("GET", "/admin/workloads", WorkloadsResponse, { query: { namespace } });
  }

  deleteJob(id: string, opts: { kind?: "Job" | "JobSet"; namespace?: string } = {}): Promise<DeleteJobResponse> {
    return this.call("DELETE", `/admin/jobs/${encodeURIComponent(id)}`, DeleteJobResponse, { query: { ...opts } });
  }

  deleteCompleted(namespace: string, force: boolean): Promise<RunSummaryResponse> {
    return this.call("POST", "/admin/jobs/delete-completed", RunSummaryResponse, { body: { namespace, force } });
  }

  clean(namespace: string, force: boolean): Promise<RunSummaryResponse> {
    return this.call("POST", "/admin/clean", RunSummaryResponse, { body: { namespace, force } });
  }

  cleanAll(namespace: string, force: boolean): Promise<RunSummaryResponse> {
    return this.call("POST", "/admin/clean-all", RunSummaryResponse, { body: { namespace, force } });
  }

  private async call<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    schema: z.ZodType<T>,
    opts: { body?: unknown; query?: Record<string, string | undefined> } = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.token()}`,
      accept: "application/json",
    };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        "unavailable",
        `cannot reach the Kinetic API at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        0,
        [],
        err,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    // A failed cleanup run answers 500 with its summary: that is a result to show, not a transport error.
    if (
      !res.ok &&
      !(
        res.status === 500 &&
        schema === (RunSummaryResponse as z.ZodType) &&
        RunSummaryResponse.safeParse(json).success
      )
    ) {
      const parsed = ErrorResponse.safeParse(json);
      if (parsed.success) {
        const { code, message, issues } = parsed.data.error;
        const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : "internal";
        throw new ApiError(known, message, res.status, issues ?? []);
      }
      throw new ApiError(
        res.status === 404 ? "not-found" : "internal",
        `${method} ${path} failed with HTTP ${res.status}: ${text.replace(/\s+/g, " ").slice(0, 200)}`,
        res.status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const why = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      throw new ApiError("internal", `unexpected response from ${method} ${path}: ${why}`, res.status);
    }
    return parsed.data;
  }
}
