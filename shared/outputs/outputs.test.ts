/**
 * The outputs contract in pure form: where a job's outputs and checkpoints go, which output prefixes a
 * deployment takes, the field checks of volumes and downloads, the client's KINETIC_OUTPUT_DIR reaching the
 * spec, and the reader refusing paths that would leave the job's folder (on a real local folder).
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointDir, jobOutputDir, outputDirIssue, parseOutputLocation } from "./prefix.ts";
import { checkedPath, createOutputReader } from "./reader.ts";
import { claimSizeError, downloadUriError, mountPathError } from "../schemas/job-spec-storage.ts";
import { applyOutputDir } from "../sdk.ts";
import { resolveConfig } from "../config/resolve.ts";

describe("output locations", () => {
  it("puts each job under <prefix>/<namespace>/<id>/ with checkpoints inside", () => {
    const dir = jobOutputDir("gs://b/runs/", "ml", "train-1");
    expect(dir).toBe("gs://b/runs/ml/train-1/");
    expect(checkpointDir(dir)).toBe("gs://b/runs/ml/train-1/checkpoints/");
    expect(parseOutputLocation("gs://bkt/runs/ml/train-1/")).toEqual({
      kind: "gcs",
      bucket: "bkt",
      prefix: "runs/ml/train-1/",
    });
  });

  it("a deployed control plane takes only gs:// prefixes; local mode takes folders too", () => {
    expect(outputDirIssue("/tmp/x", "gs://kinetic-outputs")).toMatch(/Cloud Storage prefix/);
    expect(outputDirIssue("gs://mine/x", "gs://kinetic-outputs")).toBeUndefined();
    expect(outputDirIssue("/tmp/x", "/tmp/kinetic-output")).toBeUndefined();
  });
});

describe("storage field checks", () => {
  it("sizes need a unit and fit the storage class", () => {
    expect(claimSizeError("100", undefined)).toMatch(/needs a unit/);
    expect(claimSizeError("100Gi", "premium-rwo")).toBeUndefined();
    expect(claimSizeError("65Ti", "premium-rwo")).toMatch(/over the premium-rwo storage class limit of 64Ti/);
  });

  it("mount paths stay out of system directories", () => {
    expect(mountPathError("/workload")).toBeUndefined();
    expect(mountPathError("/usr/local/data")).toMatch(/system directory \/usr/);
    expect(mountPathError("/")).toMatch(/root/);
    expect(mountPathError("relative")).toMatch(/absolute/);
  });

  it("downloads take gs:// and hf:// only", () => {
    expect(downloadUriError("gs://bucket/data/")).toBeUndefined();
    expect(downloadUriError("hf://meta-llama/Llama-3.1-8B@main")).toBeUndefined();
    expect(downloadUriError("s3://bucket/x")).toMatch(/unknown scheme "s3:\/\/"/);
    expect(downloadUriError("hf://just-a-name")).toMatch(/Hugging Face repository/);
  });
});

describe("the client's KINETIC_OUTPUT_DIR", () => {
  const config = (env: Record<string, string>) =>
    resolveConfig({
      env: { KINETIC_PROFILES_FILE: "/nonexistent/profiles.json", KINETIC_PROJECT: "my-project", ...env },
    });

  it("is sent as the spec's outputDir when set, never over the spec's own, and not when it is the default", async () => {
    const set = await config({ KINETIC_OUTPUT_DIR: "gs://team-bucket/exp" });
    expect(applyOutputDir({ image: "x" }, set)).toEqual({ image: "x", outputDir: "gs://team-bucket/exp" });
    expect(applyOutputDir({ outputDir: "gs://mine/y" }, set)).toEqual({ outputDir: "gs://mine/y" });
    expect(applyOutputDir({ image: "x" }, await config({}))).toEqual({ image: "x" });
  });
});

describe("reading a local output folder", () => {
  it("lists files relative to the job's folder and refuses paths that leave it", async () => {
    const root = await mkdtemp(join(tmpdir(), "kinetic-outputs-unit-"));
    try {
      await mkdir(join(root, "ns/j/checkpoints"), { recursive: true });
      await writeFile(join(root, "ns/j/checkpoints/epoch-1.json"), "{}");
      await writeFile(join(root, "ns/j2-secret.txt"), "other job");
      const reader = createOutputReader();
      expect((await reader.list(join(root, "ns/j/"))).map((f) => f.path)).toEqual(["checkpoints/epoch-1.json"]);
      await expect(reader.open(join(root, "ns/j/"), "../j2-secret.txt")).rejects.toMatchObject({
        code: "invalid-argument",
      });
      expect(() => checkedPath("a/./b")).toThrow(/not a file path/);
      expect(await reader.list(join(root, "ns/missing/"))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
