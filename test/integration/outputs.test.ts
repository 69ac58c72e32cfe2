/**
 * Durable outputs, fetched after the workload is gone: a job runs on the testbed, its program's files land
 * under its KINETIC_OUTPUT_DIR in a real Cloud Storage API server on 127.0.0.1 (fake-gcs-server, built by
 * testbed/gcs/build.sh), the Job and its pods are deleted, and `kinetic jobs outputs ID [--download DIR]`
 * (the real CLI, a subprocess) still lists and fetches them through the API — with the caller's namespace
 * rights. The same in local mode, where the output dir is a local folder.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { BatchV1Api, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { createApiApp } from "../../functions/api/app.ts";
import { outputRoutes } from "../../functions/api/output-routes.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { GcsClient } from "../../shared/outputs/gcs.ts";
import { createOutputReader } from "../../shared/outputs/reader.ts";
import type { Deps } from "../../shared/deps.ts";
import { startFakeGcs, type LocalGcs } from "../../testbed/gcs/server.ts";
import {
  TEST_ANNOTATIONS,
  createTestNamespace,
  kubeConfigFromEnv,
  waitFor,
  type TestNamespace,
} from "../../testbed/index.ts";
import { sandbox, type Sandbox } from "../unit/cli/helpers.ts";
import { TEST_TOKEN, syncUntil, testDeps, uniqueId } from "./support.ts";

const BUCKET = "kinetic-outputs-test";
const OTHER_TOKEN = "other-team-token";

let ns: TestNamespace;
let gcs: LocalGcs;
let sb: Sandbox;
const servers: Server[] = [];

async function serve(deps: Deps): Promise<string> {
  const server = createApiApp(async () => deps, [outputRoutes]).listen(0, "127.0.0.1");
  servers.push(server);
  await new Promise<void>((r) => server.once("listening", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function depsFor(outputDirBase: string): Deps {
  const deps = testDeps({
    namespaces: [ns.name],
    config: { outputDirBase, namespacePolicy: { tester: [ns.name], other: ["other-team"] } },
  });
  return {
    ...deps,
    auth: createAuthenticator({
      staticTokens: [
        { name: "tester", token: TEST_TOKEN },
        { name: "other", token: OTHER_TOKEN },
      ],
      allowedEmails: [],
    }),
    outputs: createOutputReader({ endpoint: gcs.url }),
  };
}

beforeAll(async () => {
  ns = await createTestNamespace("outputs");
  gcs = await startFakeGcs({ buckets: [BUCKET] });
  sb = await sandbox();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await gcs?.stop();
  await sb?.cleanup();
  await ns?.cleanup();
});

function envOf(pod: V1Pod): Record<string, string> {
  return Object.fromEntries(
    (pod.spec!.containers[0]!.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
  );
}

/** Runs a job to SUCCEEDED, then deletes its Job and pods; returns what its pod was told. */
async function runThenDelete(deps: Deps, id: string): Promise<Record<string, string>> {
  await submitJob(deps, {
    spec: { id, namespace: ns.name, command: ["python", "train.py"], annotations: { [TEST_ANNOTATIONS.runFor]: "2s" } },
    principal: "tester",
    source: "test",
  });
  const job = (await deps.store.get({ namespace: ns.name, id }))!;
  const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
  const selector = `batch.kubernetes.io/job-name=${job.workload!.name}`;
  const [pod] = await waitFor(
    async () => {
      const items = (await core.listNamespacedPod({ namespace: ns.name, labelSelector: selector })).items;
      return items.length ? items : undefined;
    },
    { timeoutMs: 30_000, description: "the job's pod" },
  );
  const env = envOf(pod!);
  expect((await syncUntil(deps, { namespace: ns.name, id }, ["SUCCEEDED", "FAILED"])).state).toBe("SUCCEEDED");
  await deps.cluster.delete(job.workload!);
  const batch = kubeConfigFromEnv().makeApiClient(BatchV1Api);
  await waitFor(
    async () => {
      const jobs = (
        await batch.listNamespacedJob({ namespace: ns.name, fieldSelector: `metadata.name=${job.workload!.name}` })
      ).items;
      const pods = (await core.listNamespacedPod({ namespace: ns.name, labelSelector: selector })).items;
      return jobs.length === 0 && pods.length === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, description: "the Job and its pods gone" },
  );
  return env;
}

describe("kinetic jobs outputs", () => {
  it("lists and downloads a job's Cloud Storage outputs after its Job and pods are gone", async () => {
    const deps = depsFor(`gs://${BUCKET}/runs`);
    const url = await serve(deps);
    const id = uniqueId("out");
    const env = await runThenDelete(deps, id);
    expect(env.KINETIC_OUTPUT_DIR).toBe(`gs://${BUCKET}/runs/${ns.name}/${id}/`);
    expect(env.KINETIC_CHECKPOINT_DIR).toBe(`gs://${BUCKET}/runs/${ns.name}/${id}/checkpoints/`);
    // What the program wrote while it ran (KWOK runs no program: the files are put where it was told).
    const prefix = `runs/${ns.name}/${id}/`;
    const storage = new GcsClient({ endpoint: gcs.url });
    await storage.write(BUCKET, `${prefix}model/weights.bin`, new Uint8Array([1, 2, 3, 4, 5]));
    await storage.write(BUCKET, `${prefix}checkpoints/epoch-3.json`, '{"epoch":3}');
    // A job whose id extends this one's must not show up.
    await storage.write(BUCKET, `runs/${ns.name}/${id}0/stray.txt`, "not this job's");

    const cliEnv = {
      KINETIC_API_URL: url,
      KINETIC_API_TOKEN: TEST_TOKEN,
      KINETIC_PROJECT: "outputs",
      KINETIC_NAMESPACE: ns.name,
    };
    const listed = await sb.run(["jobs", "outputs", id, "--json"], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    const listing = JSON.parse(listed.stdout) as { outputDir: string; files: Array<{ path: string; size: number }> };
    expect(listing.outputDir).toBe(env.KINETIC_OUTPUT_DIR);
    expect(listing.files.map((f) => [f.path, f.size])).toEqual([
      ["checkpoints/epoch-3.json", 11],
      ["model/weights.bin", 5],
    ]);

    const dir = join(sb.home, "fetched");
    const fetched = await sb.run(["jobs", "outputs", id, "--download", dir], cliEnv);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toContain("Downloaded 2 file(s)");
    expect([...(await readFile(join(dir, "model/weights.bin")))]).toEqual([1, 2, 3, 4, 5]);
    expect(await readFile(join(dir, "checkpoints/epoch-3.json"), "utf8")).toBe('{"epoch":3}');

    // Another tenant sees no such job, exactly as for a job that does not exist.
    const other = await sb.run(["jobs", "outputs", id, "--namespace", ns.name], {
      ...cliEnv,
      KINETIC_API_TOKEN: OTHER_TOKEN,
    });
    expect(other.code).toBe(3);
    // A path leaving the job's folder is refused, never read.
    const escape = await fetch(`${url}/jobs/${id}/outputs/..%2F${id}0%2Fstray.txt?namespace=${ns.name}`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect(escape.status).toBe(400);
  }, 180_000);

  it("local mode: the output dir is a local folder, listed and downloaded the same way", async () => {
    const base = await mkdtemp(join(tmpdir(), "kinetic-local-outputs-"));
    try {
      const deps = depsFor(base);
      const url = await serve(deps);
      const id = uniqueId("local-out");
      const env = await runThenDelete(deps, id);
      expect(env.KINETIC_OUTPUT_DIR).toBe(`${base}/${ns.name}/${id}/`);
      await mkdir(join(base, ns.name, id, "checkpoints"), { recursive: true });
      await writeFile(join(base, ns.name, id, "checkpoints", "epoch-1.json"), '{"epoch":1}');
      await writeFile(join(base, ns.name, id, "metrics.csv"), "epoch,loss\n1,0.5\n");
      const cliEnv = {
        KINETIC_API_URL: url,
        KINETIC_API_TOKEN: TEST_TOKEN,
        KINETIC_PROJECT: "outputs",
        KINETIC_NAMESPACE: ns.name,
      };
      const dir = join(sb.home, "local-fetched");
      const fetched = await sb.run(["jobs", "outputs", id, "--download", dir], cliEnv);
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(await readFile(join(dir, "metrics.csv"), "utf8")).toBe("epoch,loss\n1,0.5\n");
      expect(await readFile(join(dir, "checkpoints/epoch-1.json"), "utf8")).toBe('{"epoch":1}');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 180_000);

  it("refuses at submission an output prefix that is not gs:// on a deployed (Cloud Storage) control plane", async () => {
    const deps = depsFor(`gs://${BUCKET}/runs`);
    const outcome = await submitJob(deps, {
      spec: { namespace: ns.name, outputDir: "/tmp/mine", command: ["true"] },
      principal: "tester",
      source: "test",
      recordRejections: false,
    });
    expect(outcome.status).toBe("rejected");
    if (outcome.status === "rejected") expect(outcome.error.issues.map((i) => i.field)).toEqual(["outputDir"]);
  });
});
