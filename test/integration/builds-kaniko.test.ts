/**
 * The in-cluster builder Job (Kaniko, Kaptain's model) on the Kubernetes
 * testbed: its manifest passes the API server's server-side dry run (schema,
 * defaults, admission), carries the four DOCKER_BUILDER resource settings,
 * and the builder creates it for real from an uploaded source archive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchV1Api } from "@kubernetes/client-node";
import type { BuildKey } from "../../shared/builds/key.ts";
import type { BuildPlan } from "../../shared/builds/builder.ts";
import {
  builderResourcesFromEnv,
  DEFAULT_BUILDER_RESOURCES,
  KanikoJobBuilder,
  kanikoJob,
} from "../../shared/builds/backends/kaniko-job.ts";
import { createTestNamespace, kubeConfigFromEnv, rawCreate, type TestNamespace } from "../../testbed/index.ts";
import { FakeBuildsBucket } from "../fakes/cloud-build.ts";
import { testCluster } from "./support.ts";

const KEY = "9f".repeat(32) as BuildKey;
let ns: TestNamespace;

function plan(): BuildPlan {
  return {
    key: KEY,
    buildId: `${KEY}-2`,
    repository: "us-docker.pkg.dev/proj/kn-c/train",
    baseImage: "us-docker.pkg.dev/proj/kn-c/base@sha256:" + "a".repeat(64),
    accelerator: "tpu",
    context: { files: [], totalBytes: 0, ignored: 0 },
    requirements: "jax[tpu]==0.4.35\n",
  };
}

beforeAll(async () => {
  ns = await createTestNamespace("builds-kaniko");
});
afterAll(async () => {
  await ns?.cleanup();
});

describe("the in-cluster builder Job", () => {
  it("takes its resources from the four DOCKER_BUILDER settings and refuses a bad quantity", () => {
    expect(
      builderResourcesFromEnv({
        DOCKER_BUILDER_CPU_LIMIT: "4",
        DOCKER_BUILDER_MEM_LIMIT: "8Gi",
        DOCKER_BUILDER_CPU_REQUEST: "500m",
        DOCKER_BUILDER_MEM_REQUEST: "1Gi",
      }),
    ).toEqual({ cpuLimit: "4", memLimit: "8Gi", cpuRequest: "500m", memRequest: "1Gi" });
    expect(builderResourcesFromEnv({})).toEqual(DEFAULT_BUILDER_RESOURCES);
    expect(() => builderResourcesFromEnv({ DOCKER_BUILDER_MEM_LIMIT: "lots" })).toThrow(/DOCKER_BUILDER_MEM_LIMIT/);
  });

  it("passes the API server's server-side dry run, with Kaniko's arguments and the resources", async () => {
    const resources = builderResourcesFromEnv({ DOCKER_BUILDER_CPU_REQUEST: "500m", DOCKER_BUILDER_MEM_LIMIT: "6Gi" });
    const job = kanikoJob(
      plan(),
      { namespace: ns.name, resources, serviceAccountName: "default", cacheRepo: "us-docker.pkg.dev/proj/kn-c/cache" },
      { bucket: "proj-kinetic-builds", object: `kinetic-builds/${KEY}.tar.gz` },
    );
    expect(job.metadata.name).toBe(`kinetic-build-${KEY.slice(0, 40)}-2`);
    const container = (job.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec
      .containers[0]!;
    expect(container.args).toEqual([
      `--context=gs://proj-kinetic-builds/kinetic-builds/${KEY}.tar.gz`,
      "--dockerfile=Dockerfile.kinetic",
      `--destination=us-docker.pkg.dev/proj/kn-c/train:${KEY}`,
      "--digest-file=/dev/termination-log",
      "--reproducible",
      `--label=dev.kinetic.build-key=${KEY}`,
      "--label=dev.kinetic.accelerator=tpu",
      "--label=dev.kinetic.recipe=kaniko-job@1",
      `--label=dev.kinetic.base-image=${plan().baseImage}`,
      "--cache=true",
      "--cache-repo=us-docker.pkg.dev/proj/kn-c/cache",
    ]);
    expect(container.resources).toEqual({
      requests: { cpu: "500m", memory: "2Gi" },
      limits: { cpu: "2", memory: "6Gi" },
    });
    const kc = kubeConfigFromEnv();
    const dry = (await rawCreate(kc, job as never, { dryRun: true })) as { metadata: { uid?: string } };
    expect(dry.metadata).toBeDefined();
    // The dry run is real: a name over 63 characters is refused by the same call.
    const bad = { ...job, metadata: { ...job.metadata, name: "x".repeat(64) } };
    await expect(rawCreate(kc, bad as never, { dryRun: true })).rejects.toThrow();
    await expect(testCluster().dryRun(job)).resolves.toBeUndefined();
  });

  it("the builder uploads the source and creates the Job; a repeated start is the same Job", async () => {
    const bucket = new FakeBuildsBucket();
    const cluster = testCluster();
    const builder = new KanikoJobBuilder(bucket, (w) => cluster.submit(w), {
      namespace: ns.name,
      resources: DEFAULT_BUILDER_RESOURCES,
    });
    const lines: string[] = [];
    const first = await builder.start(plan(), (l) => lines.push(l));
    const again = await builder.start(plan(), () => {});
    const name = `kinetic-build-${KEY.slice(0, 40)}-2`;
    expect(first).toEqual({ status: "started", externalId: `${ns.name}/${name}` });
    expect(again).toEqual(first);
    expect(bucket.objects.has(`kinetic-builds/${KEY}.tar.gz`)).toBe(true);
    const job = await kubeConfigFromEnv().makeApiClient(BatchV1Api).readNamespacedJob({ name, namespace: ns.name });
    expect(job.metadata?.annotations?.["kinetic.dev/build-key"]).toBe(KEY);
    expect(job.spec?.backoffLimit).toBe(0);
  });
});
