// Metaflow's @kubernetes gives memory and disk in megabytes and shared_memory and tmpfs_size in
// mebibytes, as integers (or strings of digits); Kinetic reads them the way Metaflow renders them.
import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { renderWorkload } from "../manifests/render.ts";
import { parseJobSpec } from "./job-spec.ts";

function issueFor(input: unknown, field: string): string {
  let issues: KineticError["issues"] | undefined;
  try {
    parseJobSpec(input);
  } catch (err) {
    if (!(err instanceof KineticError)) throw err;
    issues = err.issues;
  }
  if (!issues) throw new Error("expected the spec to be rejected");
  const hit = issues.find((i) => i.field === field);
  if (!hit) throw new Error(`no issue for ${field}: ${JSON.stringify(issues)}`);
  return hit.message;
}

describe("sizes as Metaflow gives them", () => {
  it("reads memory and disk as megabytes, sharedMemory and tmpfs.size as mebibytes", () => {
    const spec = parseJobSpec({ memory: 4096, disk: "10240", sharedMemory: 1024, tmpfs: { size: 2048 } });
    expect(spec).toMatchObject({ memory: "4096M", disk: "10240M", sharedMemory: "1024Mi" });
    expect(spec.tmpfs?.size).toBe("2048Mi");
    expect(parseJobSpec(spec)).toEqual(spec);
  });

  it("renders sharedMemory: 1024 as a 1024Mi /dev/shm and memory: 4096 as a 4096M request", () => {
    const workload = renderWorkload("job-1", parseJobSpec({ sharedMemory: 1024, memory: 4096 }), {
      outputDirBase: "/tmp/out",
      defaultTtlSeconds: 600,
    });
    const text = JSON.stringify(workload);
    expect(text).toContain('"emptyDir":{"medium":"Memory","sizeLimit":"1024Mi"}');
    expect(text).toContain('"memory":"4096M"');
  });

  it("still refuses sizes that are no size", () => {
    expect(issueFor({ sharedMemory: 0 }, "sharedMemory")).toContain("greater than 0");
    expect(issueFor({ memory: -5 }, "memory")).toContain("greater than 0");
    expect(issueFor({ memory: "1.5" }, "memory")).toContain("needs a unit");
    expect(issueFor({ disk: true }, "disk")).toBeTruthy();
  });
});
