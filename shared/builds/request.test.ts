import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { parseBuildRequest } from "./request.ts";

const ok = { context: { kind: "dir", path: "/src" }, baseImage: "python:3.12-slim", accelerator: "tpu" };

describe("parseBuildRequest", () => {
  it("accepts a directory or a Git commit context", () => {
    expect(parseBuildRequest(ok)).toEqual(ok);
    const git = {
      ...ok,
      context: { kind: "git", url: "https://github.com/o/r.git", commit: "a".repeat(40), subdir: "train" },
      requirements: "jax[tpu]\n",
      repository: "us-docker.pkg.dev/p/kn-c/train",
      refresh: "2026-12-02",
    };
    expect(parseBuildRequest(git)).toEqual(git);
  });

  it.each([
    ["an unknown accelerator category", { ...ok, accelerator: "fpga" }, "accelerator"],
    ["a short commit", { ...ok, context: { kind: "git", url: "u", commit: "abc123" } }, "context.commit"],
    [
      "a subdir that leaves the repository",
      { ...ok, context: { kind: "git", url: "u", commit: "a".repeat(40), subdir: "../x" } },
      "context.subdir",
    ],
    ["an unknown context kind", { ...ok, context: { kind: "s3", path: "x" } }, "context.kind"],
    ["a bad base image", { ...ok, baseImage: "Not An Image" }, "baseImage"],
    ["a repository with a tag", { ...ok, repository: "reg.io/a/b:tag" }, "repository"],
    ["unknown fields", { ...ok, dockerfile: "FROM x" }, "(root)"],
    ["huge requirements", { ...ok, requirements: "x".repeat(70_000) }, "requirements"],
  ])("refuses %s", (_what, input, field) => {
    try {
      parseBuildRequest(input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KineticError);
      expect((err as KineticError).code).toBe("invalid-argument");
      expect((err as KineticError).issues.map((i) => i.field)).toContain(field);
    }
  });
});
