/**
 * A fake of the Google Cloud REST endpoints `kinetic init` calls, on one
 * loopback port, with state a test sets up: Resource Manager (projects.get),
 * Service Usage (services.list, enabled only), Cloud Storage (buckets.get,
 * buckets.insert, buckets.testIamPermissions, objects.get), GKE
 * (clusters.get) and Cloud Functions v2 (functions.list), plus the two
 * Kubernetes API server paths the checks read (/version, a Kueue LocalQueue).
 * Answers use the real shapes and statuses (404 for a missing resource, 403
 * without a bearer token); every request is recorded.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Endpoints } from "../../infra/google-apis.ts";

export interface FakeGoogleState {
  projects: Record<string, { state: string }>;
  /** project → enabled service names */
  enabled: Record<string, string[]>;
  /** bucket → its project, settings and the permissions the caller holds on it */
  buckets: Record<string, { project: string; settings: Record<string, unknown>; granted: string[]; objects: string[] }>;
  /** "project/zone/cluster" → cluster */
  clusters: Record<string, { status: string }>;
  /** "project/region" → functions (short names) */
  functions: Record<string, { name: string; state: string }[]>;
  /** Whether the cluster's API server answers, and the LocalQueues it has ("namespace/name"). */
  apiServerUp: boolean;
  localQueues: string[];
  /** Permissions granted on newly created buckets (a creator holds them all). */
  creatorPermissions: string[];
  /** Whether bucket creation is allowed (roles/storage.admin). */
  mayCreateBuckets: boolean;
}

export interface FakeGoogle {
  state: FakeGoogleState;
  endpoints: Endpoints;
  requests: string[];
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
const notFound = (res: ServerResponse, what: string) =>
  json(res, 404, { error: { code: 404, message: `${what} not found` } });

export async function startFakeGoogle(initial: Partial<FakeGoogleState> = {}): Promise<FakeGoogle> {
  const state: FakeGoogleState = {
    projects: {},
    enabled: {},
    buckets: {},
    clusters: {},
    functions: {},
    apiServerUp: true,
    localQueues: [],
    creatorPermissions: [],
    mayCreateBuckets: true,
    ...initial,
  };
  const requests: string[] = [];
  let self = "";
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = decodeURIComponent(url.pathname);
    requests.push(`${req.method} ${path}`);
    if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) return json(res, 403, { error: { code: 403 } });
    let m: RegExpExecArray | null;
    if ((m = /^\/v3\/projects\/([^/]+)$/.exec(path))) {
      const p = state.projects[m[1]!];
      return p ? json(res, 200, { projectId: m[1], state: p.state }) : json(res, 403, { error: { code: 403 } });
    }
    if ((m = /^\/v1\/projects\/([^/]+)\/services$/.exec(path)))
      return json(res, 200, {
        services: (state.enabled[m[1]!] ?? []).map((name) => ({ config: { name }, state: "ENABLED" })),
      });
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/iam\/testPermissions$/.exec(path))) {
      const b = state.buckets[m[1]!];
      if (!b) return notFound(res, "bucket");
      const asked = url.searchParams.getAll("permissions");
      return json(res, 200, { permissions: asked.filter((p) => b.granted.includes(p)) });
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const b = state.buckets[m[1]!];
      return b?.objects.includes(m[2]!) ? json(res, 200, { name: m[2] }) : notFound(res, "object");
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path))) {
      const b = state.buckets[m[1]!];
      return b ? json(res, 200, { name: m[1], ...b.settings }) : notFound(res, "bucket");
    }
    if (path === "/storage/v1/b" && req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const settings = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> & { name: string };
      if (!state.mayCreateBuckets)
        return json(res, 403, { error: { code: 403, message: "storage.buckets.create denied" } });
      if (state.buckets[settings.name]) return json(res, 409, { error: { code: 409, message: "already exists" } });
      state.buckets[settings.name] = {
        project: url.searchParams.get("project") ?? "",
        settings,
        granted: [...state.creatorPermissions],
        objects: [],
      };
      return json(res, 200, settings);
    }
    if ((m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/.exec(path))) {
      const c = state.clusters[`${m[1]}/${m[2]}/${m[3]}`];
      return c
        ? json(res, 200, { name: m[3], status: c.status, endpoint: self, masterAuth: {} })
        : notFound(res, "cluster");
    }
    if ((m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/functions$/.exec(path))) {
      const fns = state.functions[`${m[1]}/${m[2]}`] ?? [];
      return json(res, 200, {
        functions: fns.map((f) => ({
          name: `projects/${m![1]}/locations/${m![2]}/functions/${f.name}`,
          state: f.state,
        })),
      });
    }
    if (path === "/version") return state.apiServerUp ? json(res, 200, { gitVersion: "v1.33.0-gke.1" }) : res.destroy();
    if ((m = /^\/apis\/kueue\.x-k8s\.io\/v1beta2\/namespaces\/([^/]+)\/localqueues\/([^/]+)$/.exec(path))) {
      if (!state.apiServerUp) return res.destroy();
      return state.localQueues.includes(`${m[1]}/${m[2]}`)
        ? json(res, 200, { kind: "LocalQueue" })
        : notFound(res, "localqueue");
    }
    return notFound(res, path);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `http://${self}`;
  return {
    state,
    requests,
    endpoints: {
      resourceManager: base,
      serviceUsage: base,
      storage: base,
      container: base,
      functions: base,
      kubeScheme: "http",
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
