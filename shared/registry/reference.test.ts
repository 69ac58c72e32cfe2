import { describe, expect, it } from "vitest";
import { formatImageRef, manifestReference, parseImageRef } from "./reference.ts";

const D = "sha256:" + "a".repeat(64);

describe("parseImageRef", () => {
  it.each([
    ["python:3.12", { registry: "docker.io", repository: "library/python", tag: "3.12" }],
    ["python", { registry: "docker.io", repository: "library/python", tag: "latest" }],
    ["me/img", { registry: "docker.io", repository: "me/img", tag: "latest" }],
    ["127.0.0.1:5000/kinetic/base:1", { registry: "127.0.0.1:5000", repository: "kinetic/base", tag: "1" }],
    ["localhost/x", { registry: "localhost", repository: "x", tag: "latest" }],
    ["us-docker.pkg.dev/p/kn-c/base@" + D, { registry: "us-docker.pkg.dev", repository: "p/kn-c/base", digest: D }],
    ["reg.io:443/a/b:t@" + D, { registry: "reg.io:443", repository: "a/b", tag: "t", digest: D }],
  ])("%s", (ref, want) => {
    expect(parseImageRef(ref)).toEqual(want);
  });

  it.each(["UPPER/case", "reg.io/a/b@sha256:short", "reg.io/a/b:bad tag", "reg.io/", ""])("refuses %j", (ref) => {
    expect(() => parseImageRef(ref)).toThrow(expect.objectContaining({ code: "invalid-argument" }));
  });

  it("formats, pins a digest and asks for the digest before the tag", () => {
    const r = parseImageRef("reg.io/a/b:t");
    expect(formatImageRef(r)).toBe("reg.io/a/b:t");
    expect(formatImageRef(r, { digest: D })).toBe(`reg.io/a/b@${D}`);
    expect(formatImageRef(r, { tag: "k" })).toBe("reg.io/a/b:k");
    expect(manifestReference(parseImageRef(`reg.io/a/b:t@${D}`))).toBe(D);
    expect(manifestReference(r)).toBe("t");
  });
});
