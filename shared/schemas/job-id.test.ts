import { describe, expect, it } from "vitest";
import { workloadName } from "../manifests/names.ts";
import { deriveJobId, isJobId, JobId, newJobId } from "./job-id.ts";

describe("job ids", () => {
  it("generates valid ids that name Kubernetes objects unchanged", () => {
    const ids = [newJobId(), newJobId(), deriveJobId("pubsub:123")];
    for (const id of ids) {
      expect(id).toMatch(/^j-[0-9a-f]{20}$/);
      expect(isJobId(id)).toBe(true);
      expect(workloadName(id)).toBe(id);
    }
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("derives the same id from the same key, another from another", () => {
    expect(deriveJobId("http:alice:k1")).toBe(deriveJobId("http:alice:k1"));
    expect(deriveJobId("http:alice:k1")).not.toBe(deriveJobId("http:bob:k1"));
  });

  it("accepts client ids that fit a label value and rejects the rest", () => {
    for (const ok of ["a", "Run_42.final", "x".repeat(63)]) expect(isJobId(ok)).toBe(true);
    for (const bad of ["", "-a", "a-", "a/b", "..", "__x__", "x".repeat(64), 42, undefined]) {
      expect(isJobId(bad)).toBe(false);
    }
    expect(JobId.safeParse("a/b").success).toBe(false);
  });
});
