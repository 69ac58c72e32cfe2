/**
 * Client for the builds and repository routes (functions/api/build-routes.ts,
 * repo-routes.ts), used by `kinetic build`, `kinetic builds`, `kinetic repos`
 * and the SDK. Answers are checked against schemas, so a drifting server
 * fails here with the field named.
 */
import { z } from "zod";
import { ApiError, KineticApiClient } from "./api-client.ts";

export const BuildView = z.looseObject({
  id: z.string(),
  key: z.string(),
  attempt: z.number(),
  state: z.enum(["QUEUED", "BUILDING", "SUCCEEDED", "FAILED"]),
  reason: z.string().optional(),
  message: z.string().optional(),
  image: z.string(),
  digest: z.string().optional(),
  baseImage: z.string(),
  accelerator: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  durationMs: z.number().optional(),
  resolvedPackages: z.record(z.string(), z.string()).optional(),
  logTail: z.array(z.string()).optional(),
});
export type BuildView = z.infer<typeof BuildView>;

export const BuildAnswer = z.object({
  status: z.enum(["up-to-date", "started", "joined", "failed"]),
  key: z.string(),
  image: z.string(),
  digest: z.string().optional(),
  build: BuildView.optional(),
});
export type BuildAnswer = z.infer<typeof BuildAnswer>;

export const RepoView = z.looseObject({
  id: z.string(),
  provider: z.enum(["github", "gitlab"]),
  repository: z.string(),
  branches: z.array(z.string()),
  namespace: z.string(),
  build: z.looseObject({ baseImage: z.string(), accelerator: z.string() }),
  createdAt: z.string(),
  createdBy: z.string(),
  hookPath: z.string(),
  hookUrl: z.string().optional(),
  lastPush: z.looseObject({ commit: z.string(), branch: z.string(), at: z.string(), status: z.string() }).optional(),
});
export type RepoView = z.infer<typeof RepoView>;

const Builds = z.object({ builds: z.array(BuildView) });
const OneBuild = z.object({ build: BuildView });
const Repos = z.object({ repos: z.array(RepoView) });
const Registered = z.object({ repo: RepoView, secret: z.string() });

type Query = Record<string, unknown>;

export class BuildApiClient extends KineticApiClient {
  private async call<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    schema: z.ZodType<T>,
    opts: { body?: unknown; query?: Query } = {},
  ): Promise<T> {
    return this.parse(await this.request(method, path, opts), schema, `${method} ${path}`);
  }

  /** Requests a build for a namespace: up to date, or started/joined (poll getBuild), or failed. */
  requestBuild(namespace: string, request: Record<string, unknown>, options: { retryFailed?: boolean } = {}) {
    return this.call("POST", "/builds", BuildAnswer, {
      body: { namespace, ...request, ...(options.retryFailed ? { retryFailed: true } : {}) },
    });
  }
  async listBuilds(query: { namespace?: string; limit?: number } = {}): Promise<BuildView[]> {
    return (await this.call("GET", "/builds", Builds, { query })).builds;
  }
  async getBuild(id: string, namespace?: string): Promise<BuildView> {
    return (await this.call("GET", `/builds/${encodeURIComponent(id)}`, OneBuild, { query: { namespace } })).build;
  }
  async buildLogs(id: string, namespace?: string): Promise<string> {
    return (await this.request("GET", `/builds/${encodeURIComponent(id)}/logs`, { query: { namespace } })).text();
  }

  /** Registers a repository; the answer's secret is shown by the server this once only. */
  addRepo(registration: Record<string, unknown>) {
    return this.call("POST", "/repos", Registered, { body: registration });
  }
  async listRepos(): Promise<RepoView[]> {
    return (await this.call("GET", "/repos", Repos)).repos;
  }
  async removeRepo(id: string): Promise<void> {
    await this.request("DELETE", `/repos/${encodeURIComponent(id)}`);
  }
}

export { ApiError };
