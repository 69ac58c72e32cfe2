// Small generic API helpers the harness needs to install things: create-if-absent for any object, YAML loading, and
// waiting for CRDs to be served.
//
// Objects are POSTed as raw JSON. client-node's KubernetesObjectApi serializes known kinds through its typed models,
// which silently drops JSON keys whose TypeScript name differs (`default` -> `_default`, `x-kubernetes-*` ->
// `x_kubernetes_*`): a CRD loaded from YAML loses its defaults, list types and int-or-string markers that way.
import { ApiException, ApiextensionsV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { readFileSync } from "node:fs";
import { request, type RequestOptions } from "node:https";
import { parseAllDocuments } from "yaml";
import { waitUntil, type Component } from "./processes.ts";

export function loadYamlObjects(path: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null && typeof o === "object" && typeof o.kind === "string");
}

/**
 * Removes `description` from a CRD's schemas (most of its bytes). The API server then validates, stores and publishes
 * the CRD's OpenAPI noticeably faster, and tests never read the descriptions (they only feed `kubectl explain`).
 */
export function withoutSchemaDescriptions(crd: KubernetesObject): KubernetesObject {
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(strip);
    } else if (typeof node === "object" && node !== null) {
      const rec = node as Record<string, unknown>;
      // Only schema descriptions: a property *named* "description" sits under `properties` and is kept.
      if (typeof rec.description === "string") delete rec.description;
      for (const [key, value] of Object.entries(rec)) {
        if (key === "properties" && typeof value === "object" && value !== null) {
          for (const prop of Object.values(value)) strip(prop);
        } else {
          strip(value);
        }
      }
    }
  };
  const copy = structuredClone(crd) as KubernetesObject & { spec?: { versions?: { schema?: unknown }[] } };
  for (const v of copy.spec?.versions ?? []) strip(v.schema);
  return copy;
}

export function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** Describes an API error without echoing request headers (which carry the bearer token). */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    const message =
      typeof body === "string"
        ? body
        : typeof body === "object" && body !== null && "message" in body
          ? String(body.message)
          : "";
    return `HTTP ${err.code}${message ? `: ${message}` : ""}`;
  }
  return err instanceof Error ? err.message : String(err);
}

// Only to reuse client-node's discovery-based URL mapping (kind -> resource path).
class PathResolver extends KubernetesObjectApi {
  path(obj: KubernetesObject): Promise<string> {
    return this.specUriPath(obj, "create");
  }
}

const resolvers = new WeakMap<KubeConfig, PathResolver>();

/** POSTs `obj` as raw JSON to its collection; throws ApiException on a non-2xx answer. */
export async function rawCreate(
  kc: KubeConfig,
  obj: KubernetesObject,
  opts: { dryRun?: boolean } = {},
): Promise<unknown> {
  let resolver = resolvers.get(kc);
  if (resolver === undefined) {
    resolver = kc.makeApiClient(PathResolver);
    resolvers.set(kc, resolver);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error("kubeconfig has no current cluster");
  const url = new URL(`${cluster.server}${await resolver.path(obj)}`);
  if (opts.dryRun === true) url.searchParams.set("dryRun", "All");
  const body = JSON.stringify(obj);
  const options: RequestOptions = {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        const code = res.statusCode ?? 0;
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Keep the text.
        }
        if (code >= 200 && code < 300) resolve(parsed);
        else reject(new ApiException(code, `HTTP ${code}`, parsed, {}));
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: POST ${url.pathname}`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Creates each object, treating "already exists" as success (the testbed is created once per run). */
export async function createAll(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  for (const obj of objects) {
    try {
      await rawCreate(kc, obj);
    } catch (err) {
      if (isStatus(err, 409)) continue;
      throw new Error(`testbed: creating ${obj.kind} ${obj.metadata?.name ?? ""} failed: ${describeApiError(err)}`, {
        cause: err,
      });
    }
  }
}

export async function deleteQuietly(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    try {
      await api.delete(obj);
    } catch {
      // Best effort: used on the failure path only.
    }
  }
}

export async function waitForCrdsEstablished(
  kc: KubeConfig,
  names: readonly string[],
  opts: { timeoutMs: number; components?: readonly Component[] },
): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await waitUntil(
    `CRDs established (${names.join(", ")})`,
    async () => {
      for (const name of names) {
        const crd = await api.readCustomResourceDefinition({ name });
        const ok = crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
        if (ok !== true) return false;
      }
      return true;
    },
    { ...opts, intervalMs: 100 },
  );
}
