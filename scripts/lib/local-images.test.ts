import { describe, expect, it } from "vitest";
import type { Workload } from "../../shared/cluster/types.ts";
import { craneUnpacker, workloadImage } from "./local-images.ts";

const pod = (image: string) => ({ spec: { containers: [{ image }] } });
const DIGEST = "sha256:" + "a".repeat(64);

describe("local images", () => {
  it("finds the container image of a Job and of a JobSet", () => {
    const job = { kind: "Job", spec: { template: pod("r/a:1") } } as unknown as Workload;
    const set = {
      kind: "JobSet",
      spec: { replicatedJobs: [{ template: { spec: { template: pod("r/b:1") } } }] },
    } as unknown as Workload;
    expect(workloadImage(job)).toBe("r/a:1");
    expect(workloadImage(set)).toBe("r/b:1");
  });

  it("unpacks only images built locally (a loopback registry, by digest); anything else keeps the job folder", async () => {
    // A crane that does not exist: reaching it would throw, so undefined proves nothing was run.
    const unpack = craneUnpacker("/nonexistent/crane");
    for (const image of ["python:3.12-slim", `us-docker.pkg.dev/p/r/jobs@${DIGEST}`, "127.0.0.1:5000/kinetic/jobs:tag"])
      expect(await unpack(image, "/tmp/never-used")).toBeUndefined();
    await expect(unpack(`127.0.0.1:5000/kinetic/jobs@${DIGEST}`, "/tmp/kinetic-local-images-test")).rejects.toThrow();
  });
});
