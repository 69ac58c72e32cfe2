/**
 * The Cloud Build and Cloud Storage calls the production builder makes, over
 * their REST APIs with an OAuth access token (no client library: two requests
 * do not justify one). The token comes from the composition root (Application
 * Default Credentials), so nothing here knows how it was obtained. Errors
 * become Kinetic codes: 5xx and 429 are transient, anything else permanent.
 */
import { KineticError, type ErrorCode } from "../../errors.ts";
import type { RegistryCredentials } from "../../registry/auth.ts";
import type { CloudBuild, CloudBuildApi, SourceUploader } from "./cloud-build.ts";

export type AccessToken = () => Promise<string>;

interface RestOptions {
  token: AccessToken;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

async function call(o: RestOptions, url: string, init: RequestInit, what: string): Promise<unknown> {
  const res = await (o.fetch ?? fetch)(url, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${await o.token()}` },
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    const code: ErrorCode = res.status >= 500 || res.status === 429 ? "unavailable" : "failed-precondition";
    throw new KineticError(code, `${what}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  return text ? (JSON.parse(text) as unknown) : {};
}

/** projects.builds.create: answers a long-running operation whose metadata carries the build (and its id). */
export function restCloudBuildApi(o: RestOptions): CloudBuildApi {
  return {
    async createBuild({ projectId, build }: { projectId: string; build: CloudBuild }) {
      const op = (await call(
        o,
        `https://cloudbuild.googleapis.com/v1/projects/${encodeURIComponent(projectId)}/builds`,
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(build) },
        "Cloud Build createBuild",
      )) as { metadata?: { build?: { id?: string } } };
      const id = op.metadata?.build?.id;
      if (!id) throw new KineticError("unavailable", "Cloud Build createBuild answered without a build id");
      return { id };
    },
  };
}

/** Uploads a source archive to gs://bucket/object (a simple media upload; the same key is the same bytes). */
export function gcsUploader(o: RestOptions & { bucket: string }): SourceUploader {
  return {
    async upload(data, object) {
      const url =
        `https://storage.googleapis.com/upload/storage/v1/b/${encodeURIComponent(o.bucket)}/o` +
        `?uploadType=media&name=${encodeURIComponent(object)}`;
      const r = (await call(
        o,
        url,
        { method: "POST", headers: { "content-type": "application/gzip" }, body: new Uint8Array(data) },
        "Cloud Storage upload",
      )) as { generation?: string };
      return { bucket: o.bucket, object, ...(r.generation ? { generation: r.generation } : {}) };
    },
  };
}

/** Artifact Registry (and gcr.io) take an access token as the password of `oauth2accesstoken`. */
export function googleRegistryCredentials(token: AccessToken) {
  return async (registry: string): Promise<RegistryCredentials | undefined> =>
    /(^|\.)(pkg\.dev|gcr\.io)$/.test(registry) ? { username: "oauth2accesstoken", password: await token() } : undefined;
}
