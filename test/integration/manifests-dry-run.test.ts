// Every golden manifest is accepted by a real kube-apiserver (with the JobSet
// CRD) as a server-side dry run, and nothing we send is pruned or rewritten:
// the object the server would persist contains every field we rendered.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  requireAddon,
  createTestNamespace,
  describeApiError,
  isStatus,
  kubeConfigFromEnv,
  type TestNamespace,
} from "../../testbed/index.ts";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../golden/manifests");
const files = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths where `sent` has a value the server's copy lacks or changed (server defaults are fine). */
function missingFields(sent: Json, got: Json | undefined, path = ""): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(got)) return [`${path}: expected a list`];
    if (got.length !== sent.length) return [`${path}: ${sent.length} items sent, ${got.length} returned`];
    return sent.flatMap((item, i) => missingFields(item, got[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got)) return [`${path}: expected an object`];
    return Object.entries(sent).flatMap(([k, v]) => missingFields(v, got[k], path ? `${path}.${k}` : k));
  }
  return sent === got ? [] : [`${path}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(got)}`];
}

describe("golden manifests pass a server-side dry run", () => {
  let client: KubernetesObjectApi;
  let ns: TestNamespace;

  beforeAll(async () => {
    const kc = kubeConfigFromEnv();
    client = KubernetesObjectApi.makeApiClient(kc);
    // With Kueue running, its webhooks see the queue-labelled manifests too.
    ns = await createTestNamespace("manifests-dry-run", { kubeConfig: kc, localQueue: true });
  });

  afterAll(async () => {
    await ns?.cleanup();
  });

  it("has golden manifests to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of files) {
    it(`${file} is accepted unchanged and not persisted`, async () => {
      const manifest = parse(readFileSync(join(GOLDEN_DIR, file), "utf8")) as KubernetesObject & Record<string, Json>;
      if (manifest.kind === "JobSet") requireAddon("jobset");
      manifest.metadata!.namespace = ns.name;
      let accepted: KubernetesObject;
      try {
        accepted = await client.create(manifest, undefined, "All");
      } catch (err) {
        throw new Error(`${file} rejected: ${describeApiError(err)}`, { cause: err });
      }
      expect(accepted.kind).toBe(manifest.kind);
      expect(missingFields(manifest as unknown as Json, accepted as unknown as Json)).toEqual([]);

      // A dry run must not create anything.
      const read = client.read({
        apiVersion: manifest.apiVersion!,
        kind: manifest.kind!,
        metadata: { name: manifest.metadata!.name!, namespace: ns.name },
      });
      await expect(read).rejects.toSatisfy((err: unknown) => isStatus(err, 404));
    });
  }

  it("rejects a manifest the renderer would never produce (the dry run really validates)", async () => {
    const manifest = parse(readFileSync(join(GOLDEN_DIR, "cpu-only.yaml"), "utf8")) as KubernetesObject & {
      spec: { template: { spec: { restartPolicy: string } } };
    };
    manifest.metadata!.namespace = ns.name;
    // podFailurePolicy requires restartPolicy Never.
    manifest.spec.template.spec.restartPolicy = "OnFailure";
    await expect(client.create(manifest, undefined, "All")).rejects.toSatisfy((err: unknown) => isStatus(err, 422));
  });
});
