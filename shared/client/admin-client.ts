/**
 * Client for the admin endpoints (functions/api/admin-routes.ts), used by the
 * CLI's diagnose/clean/clean-all/jobs delete commands. Same base URL and
 * bearer token as the jobs API client; answers are checked against schemas
 * so a drifting server fails here with the field named.
 */
import { z } from "zod";
import { KineticApiClient } from "./api-client.ts";

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

/** The admin endpoints, on the jobs API client's transport (auth, errors, response checks). */
export class AdminApiClient extends KineticApiClient {
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
    const isRun = schema === (RunSummaryResponse as z.ZodType);
    const res = await this.request(method, path, { ...opts, tolerate: (status) => isRun && status === 500 });
    if (res.ok) return this.parse(res, schema, `${method} ${path}`);
    // A failed cleanup run answers 500 with its summary: that is a result to show, not a transport error.
    let json: unknown;
    try {
      json = JSON.parse(await res.clone().text());
    } catch {
      json = undefined;
    }
    const run = RunSummaryResponse.safeParse(json);
    if (run.success) return run.data as T;
    throw await this.errorFrom(res, `${method} ${path}`);
  }
}
