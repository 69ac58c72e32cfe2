/**
 * The Cloud Build backend against a fake of the Cloud Build API
 * (test/fakes/cloud-build.ts): the generated Build is checked field by
 * field, the uploaded source archive file by file, and the notifications on
 * the cloud-builds topic move the record on the Firestore emulator — out of
 * order and duplicated, as Pub/Sub delivers them. The base image is resolved
 * through the real local registry.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { DocBuildStore } from "../../shared/store/build-store.ts";
import { OciRegistryClient } from "../../shared/registry/oci-client.ts";
import { CLOUD_BUILD_RECIPE, CloudBuildBuilder } from "../../shared/builds/backends/cloud-build.ts";
import { applyCloudBuildStatus } from "../../shared/builds/cloud-build-status.ts";
import { requestBuild } from "../../shared/builds/request-build.ts";
import { startRegistry, type LocalRegistry } from "../../testbed/registry/registry.ts";
import { pushImageFromFiles, writeTree } from "../../testbed/registry/fixtures.ts";
import { FakeBuildsBucket, FakeCloudBuildApi } from "../fakes/cloud-build.ts";
import { testFirestore } from "./support.ts";

let reg: LocalRegistry;
let work: string;
let baseDigest: string;

beforeAll(async () => {
  reg = await startRegistry();
  work = mkdtempSync(join(tmpdir(), "kinetic-cb-"));
  baseDigest = await pushImageFromFiles(`${reg.host}/kinetic/base:gpu`, { "etc/base": "gpu\n" });
});
afterAll(async () => {
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function setup() {
  const bucket = new FakeBuildsBucket();
  const api = new FakeCloudBuildApi(bucket);
  const builder = new CloudBuildBuilder(api, bucket, {
    projectId: "proj",
    serviceAccount: "kinetic-build@proj.iam.gserviceaccount.com",
    machineType: "E2_HIGHCPU_8",
    pubsubTopic: "projects/proj/topics/cloud-builds",
  });
  const builds = new DocBuildStore(new FirestoreDocs(testFirestore("cloudbuild")));
  const deps = {
    builds,
    registry: new OciRegistryClient(),
    builder,
    clock: systemClock,
    defaultRepository: `${reg.host}/kinetic/train`,
  };
  return { bucket, api, builds, deps };
}

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "ctx-"));
  writeTree(dir, files);
  return dir;
}

describe("Cloud Build backend", () => {
  it("creates one build whose config is what Kinetic means, field by field, from an archive of the context", async () => {
    const { bucket, api, builds, deps } = setup();
    const dir = context({ "train.py": "print(1)\n", "bin/run.sh": "#!/bin/sh\n", ".env": "SECRET=1\n" });
    chmodSync(join(dir, "bin/run.sh"), 0o755);
    const o = await requestBuild(
      deps,
      {
        context: { kind: "dir", path: dir },
        baseImage: `${reg.host}/kinetic/base:gpu`,
        accelerator: "gpu",
        requirements: "torch==2.5.1\n",
      },
      { run: "inline" },
    );
    expect(o.status).toBe("started");
    if (o.status !== "started") return;
    expect(o.build).toMatchObject({ state: "BUILDING", reason: "Submitted", recipe: CLOUD_BUILD_RECIPE });
    expect(api.requests).toHaveLength(1);
    const { projectId, build } = api.requests[0]!;
    const image = `${reg.host}/kinetic/train:${o.key}`;
    expect(projectId).toBe("proj");
    expect(build.source).toEqual({
      storageSource: { bucket: "proj-kinetic-builds", object: `kinetic-builds/${o.key}.tar.gz` },
    });
    expect(build.steps).toHaveLength(2);
    expect(build.steps[0]).toEqual({
      id: "build",
      name: "gcr.io/cloud-builders/docker",
      args: ["build", "--network", "cloudbuild", "--file", "Dockerfile.kinetic", "--tag", image, "."],
    });
    expect(build.steps[1]).toMatchObject({
      id: "resolved",
      name: "gcr.io/cloud-builders/docker",
      entrypoint: "bash",
      waitFor: ["build"],
    });
    expect(build.steps[1]!.args[1]).toBe(
      `docker run --rm --entrypoint python3 ${image} -m pip list --format=freeze --disable-pip-version-check | head -c 4000 > $$BUILDER_OUTPUT/output`,
    );
    expect(build.images).toEqual([image]);
    expect(build.tags).toEqual(["kinetic", `kinetic-build-${o.build.id}`]);
    expect(build.timeout).toBe("1200s");
    expect(build.serviceAccount).toBe("projects/proj/serviceAccounts/kinetic-build@proj.iam.gserviceaccount.com");
    expect(build.options).toEqual({
      logging: "CLOUD_LOGGING_ONLY",
      machineType: "E2_HIGHCPU_8",
      pubsubTopic: "projects/proj/topics/cloud-builds",
    });
    expect((await builds.get(o.build.id))?.externalId).toBe([...api.builds.keys()][0]);

    const archive = gunzipSync(bucket.objects.get(`kinetic-builds/${o.key}.tar.gz`)!);
    const list = execFileSync("tar", ["-tv"], { input: archive, encoding: "utf8" });
    expect(list).toMatch(/-rwxr-xr-x .* context\/bin\/run\.sh/);
    expect(list).toContain("context/train.py");
    expect(list).toContain("requirements.txt");
    expect(list).not.toContain(".env");
    const df = execFileSync("tar", ["-xO", "Dockerfile.kinetic"], { input: archive, encoding: "utf8" });
    expect(df.split("\n").slice(0, 4)).toEqual([
      `FROM ${reg.host}/kinetic/base@${baseDigest}`,
      "WORKDIR /workspace",
      "COPY requirements.txt /opt/kinetic/requirements.txt",
      "RUN python3 -m pip install --no-cache-dir --disable-pip-version-check -r /opt/kinetic/requirements.txt",
    ]);
    expect(df).toContain(`dev.kinetic.build-key="${o.key}"`);
    expect(df).toContain(`ENV KINETIC_BUILD_KEY=${o.key} KINETIC_ACCELERATOR=gpu`);
  });

  it("notifications move the record forward only: out of order and duplicated, it ends SUCCEEDED with digest and versions", async () => {
    const { api, builds, deps } = setup();
    const dir = context({ "train.py": "print(2)\n" });
    const o = await requestBuild(
      deps,
      {
        context: { kind: "dir", path: dir },
        baseImage: `${reg.host}/kinetic/base:gpu`,
        accelerator: "gpu",
        requirements: "torch\n",
      },
      { run: "inline" },
    );
    if (o.status !== "started") throw new Error(o.status);
    const id = [...api.builds.keys()][0]!;
    const digest = "sha256:" + "f".repeat(64);
    const success = api.notification(id, "SUCCESS", {
      startTime: "2026-12-02T10:00:00Z",
      finishTime: "2026-12-02T10:04:30Z",
      results: {
        images: [{ name: o.image, digest }],
        buildStepOutputs: ["", Buffer.from("torch==2.5.1\nNumPy==2.1.3\nfilelock==3.16.1\n").toString("base64")],
      },
    });
    const working = api.notification(id, "WORKING");
    expect((await applyCloudBuildStatus({ builds }, working)).status).toBe("applied");
    expect((await builds.get(o.build.id))?.reason).toBe("CloudBuildWorking");
    expect((await applyCloudBuildStatus({ builds }, success)).status).toBe("applied");
    expect((await applyCloudBuildStatus({ builds }, success)).status).toBe("unchanged");
    expect((await applyCloudBuildStatus({ builds }, working)).status).toBe("unchanged");
    const done = await builds.get(o.build.id);
    expect(done).toMatchObject({ state: "SUCCEEDED", digest, durationMs: 270_000 });
    expect(done?.resolvedPackages).toEqual({ torch: "2.5.1", numpy: "2.1.3", filelock: "3.16.1" });
    expect(done?.events.map((e) => e.state)).toEqual(["QUEUED", "BUILDING", "SUCCEEDED"]);
  });

  it("a failed Cloud Build fails the record with its detail; foreign builds and junk are ignored", async () => {
    const { api, builds, deps } = setup();
    const o = await requestBuild(
      deps,
      {
        context: { kind: "dir", path: context({ "a.py": "x\n" }) },
        baseImage: `${reg.host}/kinetic/base:gpu`,
        accelerator: "cpu",
      },
      { run: "inline" },
    );
    if (o.status !== "started") throw new Error(o.status);
    const id = [...api.builds.keys()][0]!;
    expect(api.builds.get(id)?.steps).toHaveLength(1); // no requirements: no "resolved" step
    const failure = api.notification(id, "FAILURE", {
      failureInfo: { type: "USER_BUILD_STEP", detail: "Build step 0 failed" },
    });
    expect(await applyCloudBuildStatus({ builds }, failure)).toMatchObject({
      status: "applied",
      build: { state: "FAILED", reason: "BuildFailed", message: "Build step 0 failed" },
    });
    const foreign = Buffer.from(JSON.stringify({ id: "x", status: "SUCCESS", steps: [], tags: ["other"] })).toString(
      "base64",
    );
    expect(await applyCloudBuildStatus({ builds }, foreign)).toMatchObject({ status: "ignored" });
    expect(await applyCloudBuildStatus({ builds }, "not json")).toMatchObject({ status: "ignored" });
  });

  it("the fake refuses what Cloud Build refuses", async () => {
    const bucket = new FakeBuildsBucket();
    const api = new FakeCloudBuildApi(bucket);
    await bucket.upload(Buffer.from("x"), "s.tar.gz");
    const ok = {
      source: { storageSource: { bucket: bucket.name, object: "s.tar.gz" } },
      steps: [{ id: "a", name: "busybox", args: [] }],
    };
    await expect(api.createBuild({ projectId: "p", build: ok })).resolves.toMatchObject({ id: expect.any(String) });
    const bad = [
      { ...ok, source: { storageSource: { bucket: bucket.name, object: "missing.tar.gz" } } },
      { ...ok, serviceAccount: "projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com" },
      { ...ok, timeout: "20m" },
      { ...ok, tags: ["bad tag"] },
      { ...ok, steps: [{ id: "a", name: "busybox", args: ["echo $BUILDER_OUTPUT"] }] },
    ];
    for (const build of bad)
      await expect(api.createBuild({ projectId: "p", build })).rejects.toThrow(/INVALID_ARGUMENT/);
  });
});
