/**
 * The Google Cloud REST calls `kinetic init` makes, behind one small boundary:
 * each answers its HTTP status and the parsed body, never throws on a status,
 * so the checks can say what a 403 or a 404 means. Base URLs are injectable so
 * tests run the same code against test/fakes/google-apis.ts; production uses
 * Google's endpoints and Application Default Credentials.
 */
import { request as httpsRequest } from "node:https";
import { GoogleAuth } from "google-auth-library";
import type { BucketApi } from "./state.ts";

export interface Answer<T = Record<string, unknown>> {
  /** HTTP status; 0 when there was no answer (network, credentials). */
  status: number;
  body?: T;
  error?: string;
}

export interface Endpoints {
  resourceManager: string;
  serviceUsage: string;
  storage: string;
  container: string;
  functions: string;
  /** Scheme of the cluster's API server (https; a test's fake API server speaks http). */
  kubeScheme: "https" | "http";
}

export const GOOGLE_ENDPOINTS: Endpoints = {
  resourceManager: "https://cloudresourcemanager.googleapis.com",
  serviceUsage: "https://serviceusage.googleapis.com",
  storage: "https://storage.googleapis.com",
  container: "https://container.googleapis.com",
  functions: "https://cloudfunctions.googleapis.com",
  kubeScheme: "https",
};

/** Application Default Credentials as the checks see them. */
export interface Credentials {
  /** An access token; throws when there are no usable credentials. */
  token(): Promise<string>;
  /** The account, when the credentials say (a service account's email, or none for user ADC). */
  account(): Promise<string | undefined>;
}

export function adcCredentials(auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] })) {
  return {
    token: async () => {
      const token = (await (await auth.getClient()).getAccessToken()).token;
      if (!token) throw new Error("the credentials gave no access token");
      return token;
    },
    account: async () => (await auth.getCredentials().catch(() => ({ client_email: undefined }))).client_email,
  } satisfies Credentials;
}

export interface GoogleApis {
  project(project: string): Promise<Answer<{ state?: string }>>;
  enabledServices(project: string): Promise<Answer<{ services?: { config?: { name?: string } }[] }>>;
  bucketPermissions(bucket: string, permissions: string[]): Promise<Answer<{ permissions?: string[] }>>;
  object(bucket: string, name: string): Promise<Answer>;
  cluster(
    project: string,
    zone: string,
    cluster: string,
  ): Promise<Answer<{ status?: string; endpoint?: string; masterAuth?: { clusterCaCertificate?: string } }>>;
  functions(
    project: string,
    region: string,
  ): Promise<Answer<{ functions?: { name?: string; state?: string; url?: string }[] }>>;
  /** The state bucket's lookup and creation, for ensureStateBucket. */
  buckets: BucketApi;
  /** A GET on the cluster's own API server (endpoint and CA from `cluster`). */
  kube(endpoint: string, caBase64: string | undefined, path: string): Promise<Answer>;
}

export function googleApis(credentials: Credentials, endpoints: Endpoints = GOOGLE_ENDPOINTS): GoogleApis {
  const get = async <T>(url: string, post?: unknown): Promise<Answer<T>> => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: post === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${await credentials.token()}`, "content-type": "application/json" },
        ...(post === undefined ? {} : { body: JSON.stringify(post) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      return { status: 0, error: err instanceof Error ? err.message : String(err) };
    }
    const text = await res.text();
    let body: T | undefined;
    try {
      body = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, ...(body !== undefined ? { body } : {}) };
  };
  const e = encodeURIComponent;
  return {
    project: (p) => get(`${endpoints.resourceManager}/v3/projects/${e(p)}`),
    enabledServices: (p) =>
      get(`${endpoints.serviceUsage}/v1/projects/${e(p)}/services?filter=state:ENABLED&pageSize=200`),
    bucketPermissions: (b, perms) =>
      get(
        `${endpoints.storage}/storage/v1/b/${e(b)}/iam/testPermissions?${perms.map((x) => `permissions=${e(x)}`).join("&")}`,
      ),
    buckets: {
      get: (b) => get(`${endpoints.storage}/storage/v1/b/${e(b)}`),
      insert: async (project, settings) => {
        const a = await get<{ error?: { message?: string } }>(
          `${endpoints.storage}/storage/v1/b?project=${e(project)}`,
          settings,
        );
        return { status: a.status, ...(a.body?.error?.message ? { message: a.body.error.message } : {}) };
      },
    },
    object: (b, name) => get(`${endpoints.storage}/storage/v1/b/${e(b)}/o/${e(name)}`),
    cluster: (p, z, c) => get(`${endpoints.container}/v1/projects/${e(p)}/locations/${e(z)}/clusters/${e(c)}`),
    functions: (p, r) => get(`${endpoints.functions}/v2/projects/${e(p)}/locations/${e(r)}/functions?pageSize=500`),
    kube: async (endpoint, ca, path) => {
      const token = await credentials.token().catch(() => "");
      if (endpoints.kubeScheme === "http") return get(`http://${endpoint}${path}`);
      // The API server's certificate is signed by the cluster's own CA, which fetch cannot be given.
      return new Promise<Answer>((resolve) => {
        const req = httpsRequest(
          `https://${endpoint}${path}`,
          {
            headers: { authorization: `Bearer ${token}` },
            ...(ca ? { ca: Buffer.from(ca, "base64") } : {}),
            timeout: 15_000,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
          },
        );
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", (err) => resolve({ status: 0, error: err.message }));
        req.end();
      });
    },
  };
}
