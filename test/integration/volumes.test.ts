/**
 * Data and model-cache volumes on the testbed: a job's own claim and a shared claim exist as
 * PersistentVolumeClaims before its pods, a second job reuses the shared one, the rendered workloads (init
 * containers, FUSE mount, downward-API env) pass the API server's dry run, bad input fails at submission
 * naming the field, and cleanup deletes a job's own claim only after its TTL and only when the spec asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api } from "@kubernetes/client-node";
import { submitJob } from "../../shared/jobs/submit.ts";
import { cancelJob } from "../../shared/jobs/cancel.ts";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";
import { runCleanup } from "../../shared/cleanup/run.ts";
import { cleanupDeps } from "../../shared/cleanup/cleanup-deps.ts";
import { ManualClock } from "../../shared/clock.ts";
import { createTestNamespace, kubeConfigFromEnv, requireAddon, type TestNamespace } from "../../testbed/index.ts";
import { syncUntil, testDeps, testStores, uniqueId } from "./support.ts";

let ns: TestNamespace;
let core: CoreV1Api;

beforeAll(async () => {
  ns = await createTestNamespace("volumes");
  core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await ns?.cleanup();
});

const claimsOf = async () =>
  (await core.listNamespacedPersistentVolumeClaim({ namespace: ns.name })).items.map((c) => ({
    name: c.metadata!.name!,
    labels: c.metadata!.labels ?? {},
    size: c.spec!.resources!.requests!.storage,
    modes: c.spec!.accessModes,
  }));

describe("job volumes", () => {
  it("creates the job's own claim and a shared claim; a second job reuses the shared one", async () => {
    const deps = testDeps({ namespaces: [ns.name] });
    const shared = uniqueId("hf-shared");
    const a = uniqueId("vol-a");
    const b = uniqueId("vol-b");
    const spec = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      namespace: ns.name,
      command: ["python", "train.py"],
      hfCache: { claim: shared, size: "20Gi", download: ["hf://org/model"] },
      ...extra,
    });
    expect(
      (
        await submitJob(deps, {
          spec: spec(a, { data: { size: "10Gi", download: ["gs://datasets/imagenet/"] } }),
          principal: "tester",
          source: "test",
        })
      ).status,
    ).toBe("created");
    expect((await submitJob(deps, { spec: spec(b), principal: "tester", source: "test" })).status).toBe("created");
    const claims = await claimsOf();
    const own = claims.find((c) => c.name === `${a}-data`);
    expect(own).toMatchObject({ size: "10Gi", modes: ["ReadWriteOnce"] });
    expect(own!.labels).toMatchObject({ "kinetic.dev/job-id": a, "kinetic.dev/claim-owner": "job" });
    const sharedClaim = claims.filter((c) => c.name === shared);
    expect(sharedClaim).toHaveLength(1);
    expect(sharedClaim[0]!.labels["kinetic.dev/claim-owner"]).toBe("shared");
    expect(sharedClaim[0]!.labels["kinetic.dev/job-id"]).toBeUndefined();
    // Both jobs' pods mount the shared cache with HF_HOME pointing at it.
    for (const id of [a, b]) {
      const job = (await deps.store.get({ namespace: ns.name, id }))!;
      const pods = (
        await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: `batch.kubernetes.io/job-name=${job.workload!.name}`,
        })
      ).items;
      const pod = pods[0] ?? undefined;
      if (!pod) continue; // a pod not created yet: the template check below covers it
      expect(pod.spec!.volumes!.find((v) => v.name === "kinetic-hf-cache")!.persistentVolumeClaim!.claimName).toBe(
        shared,
      );
      expect(pod.spec!.containers[0]!.env!.find((e) => e.name === "HF_HOME")!.value).toBe("/hf_cache");
    }
  });

  const dryRun = async (jobId: string, spec: Record<string, unknown>) => {
    const workload = renderWorkload(jobId, parseJobSpec({ namespace: ns.name, ...spec }), {
      outputDirBase: "gs://kinetic-outputs/runs",
      attempt: 2,
    });
    await expect(testDeps({ namespaces: [ns.name] }).cluster.dryRun(workload)).resolves.toBeUndefined();
  };

  it("a Job with volumes, downloads and a FUSE-mounted output dir passes the API server's dry run", async () => {
    await dryRun("dry-job", {
      accelerator: "nvidia-l4",
      spot: true,
      outputMount: "/outputs",
      data: { size: "100Gi", storageClass: "premium-rwo", download: ["gs://bucket/data/"] },
      hfCache: { claim: "hf-shared", download: ["hf://meta-llama/Llama-3.1-8B@main"] },
    });
  });

  it("a 4-host JobSet with the coordinator wait and a data volume passes the dry run", async () => {
    requireAddon("jobset");
    await dryRun("dry-slice", {
      accelerator: "tpu-v5litepod-16",
      hostnameResolutionTimeoutSeconds: 120,
      data: { size: "1Ti", mountPath: "/data" },
    });
  });

  it("refuses bad storage input at submission, naming each field", async () => {
    const deps = testDeps({ namespaces: [ns.name] });
    const outcome = await submitJob(deps, {
      spec: {
        namespace: ns.name,
        data: { size: "100", mountPath: "/etc/data", download: ["s3://bucket/x"] },
        hfCache: { size: "100Ti", storageClass: "premium-rwo" },
        outputMount: "/usr/out",
      },
      principal: "tester",
      source: "test",
      recordRejections: false,
    });
    expect(outcome.status).toBe("rejected");
    if (outcome.status !== "rejected") return;
    const fields = Object.fromEntries(outcome.error.issues.map((i) => [i.field, i.message]));
    expect(fields["data.size"]).toMatch(/needs a unit/);
    expect(fields["data.mountPath"]).toMatch(/system directory \/etc/);
    expect(fields["data.download.0"]).toMatch(/unknown scheme "s3:\/\/"/);
    expect(fields["hfCache.size"]).toMatch(/over the premium-rwo storage class limit/);
    expect(fields.outputMount).toMatch(/system directory \/usr/);
  });

  it("cleanup deletes a job's own claim after its TTL only when the spec asked; a shared claim stays", async () => {
    const clock = new ManualClock(new Date().toISOString());
    const deps = testDeps({ namespaces: [ns.name], clock, stores: testStores({ clock }) });
    const keep = uniqueId("keep");
    const drop = uniqueId("drop");
    const shared = uniqueId("shared");
    for (const [id, deleteAfterTtl] of [
      [keep, false],
      [drop, true],
    ] as const)
      await submitJob(deps, {
        spec: {
          id,
          namespace: ns.name,
          command: ["true"],
          ttlSecondsAfterFinished: 60,
          data: { size: "1Gi", deleteAfterTtl },
          hfCache: { claim: shared, size: "1Gi" },
        },
        principal: "tester",
        source: "test",
      });
    // No provisioner binds claims on the testbed, so the pods wait; the jobs end by a cancel instead.
    for (const id of [keep, drop]) {
      await cancelJob(deps, { namespace: ns.name, id }, "tester");
      await syncUntil(deps, { namespace: ns.name, id }, (j) => j.state === "CANCELLED" && j.active === false);
    }
    clock.advance(3600_000);
    await runCleanup(cleanupDeps(deps), { namespace: ns.name });
    const names = (await claimsOf()).map((c) => c.name);
    expect(names).toContain(`${keep}-data`);
    expect(names).toContain(shared);
    expect(names).not.toContain(`${drop}-data`);
  });
});
