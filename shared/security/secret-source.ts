/**
 * Where push-hook secrets live. A small port: the API writes a repository's
 * secret once when it is registered, the pushHook function reads it for each
 * delivery, and nothing else ever sees it (it is never logged, never returned
 * after registration). Two sources:
 *
 * - Secret Manager (production): one secret per repository, `<prefix><repoId>`,
 *   over its REST API with the function's own credentials (google-auth-library),
 *   so no new client library ships. The pushHook's runtime account alone holds
 *   secretAccessor on the prefix; the API may add versions and delete.
 * - the document store (local mode, tests): `hookSecrets/{repoId}` in the
 *   Firestore emulator or memory (shared/store/repo-store.ts, DocSecretSource).
 *
 * A source returns a list: the current secret first, then the previous one
 * during a rotation, so deliveries signed with either verify for a while.
 */
import { GoogleAuth } from "google-auth-library";
import { KineticError } from "../errors.ts";

export interface SecretSource {
  /** The repository's secrets, newest first; empty when it has none. */
  get(repoId: string): Promise<string[]>;
  /** Stores a new current secret (keeping at most the previous one beside it). */
  put(repoId: string, secret: string): Promise<void>;
  /** Forgets every secret of the repository. */
  delete(repoId: string): Promise<void>;
}

export const SECRET_SOURCES = ["firestore", "secret-manager"] as const;
export type SecretSourceKind = (typeof SECRET_SOURCES)[number];

type Requester = (opts: { url: string; method: "GET" | "POST" | "DELETE"; data?: unknown }) => Promise<{
  status: number;
  data: unknown;
}>;

/** Secret Manager over REST; `request` is injectable so the calls can be checked without Google. */
export function secretManagerSource(options: { project: string; prefix: string; request?: Requester }): SecretSource {
  const base = `https://secretmanager.googleapis.com/v1/projects/${encodeURIComponent(options.project)}/secrets`;
  let auth: GoogleAuth | undefined;
  const request: Requester =
    options.request ??
    (async (opts) => {
      auth ??= new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
      const client = await auth.getClient();
      // validateStatus: every status comes back as an answer, so 404 and 409 are decisions here, not throws.
      const res = await client.request({ ...opts, validateStatus: () => true });
      return { status: res.status, data: res.data };
    });
  const name = (repoId: string) => `${options.prefix}${repoId}`;
  const fail = (what: string, status: number): never => {
    // The answer's body may quote the request; only the status is kept.
    throw new KineticError(
      status === 403 ? "permission-denied" : status >= 500 || status === 429 ? "unavailable" : "internal",
      `Secret Manager: ${what} answered HTTP ${status}`,
    );
  };
  return {
    async get(repoId) {
      const res = await request({ url: `${base}/${name(repoId)}/versions/latest:access`, method: "GET" });
      if (res.status === 404) return [];
      if (res.status !== 200) return fail("access", res.status);
      const data = (res.data as { payload?: { data?: string } }).payload?.data;
      if (!data) return [];
      // The payload is the JSON list this source wrote: current first, then the previous one.
      const parsed: unknown = JSON.parse(Buffer.from(data, "base64").toString("utf8"));
      return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === "string") : [];
    },
    async put(repoId, secret) {
      const created = await request({
        url: `${base}?secretId=${encodeURIComponent(name(repoId))}`,
        method: "POST",
        data: { replication: { automatic: {} }, labels: { "managed-by": "kinetic" } },
      });
      if (created.status !== 200 && created.status !== 409) fail("create", created.status);
      const previous = created.status === 409 ? await this.get(repoId) : [];
      const payload = Buffer.from(JSON.stringify([secret, ...previous.slice(0, 1)])).toString("base64");
      const added = await request({
        url: `${base}/${name(repoId)}:addVersion`,
        method: "POST",
        data: { payload: { data: payload } },
      });
      if (added.status !== 200) fail("addVersion", added.status);
    },
    async delete(repoId) {
      const res = await request({ url: `${base}/${name(repoId)}`, method: "DELETE" });
      if (res.status !== 200 && res.status !== 404) fail("delete", res.status);
    },
  };
}
