import { describe, expect, it } from "vitest";
import { isDns1035Label } from "../schemas/k8s-names.ts";
import { WORKLOAD_NAME_MAX, workloadName } from "./names.ts";

describe("workloadName", () => {
  it("keeps a valid short id as is", () => {
    expect(workloadName("train-7")).toBe("train-7");
  });

  it("is deterministic", () => {
    expect(workloadName("Some_Job.ID")).toBe(workloadName("Some_Job.ID"));
  });

  it.each([
    "Some_Job.ID",
    "7-starts-with-digit",
    "x".repeat(63),
    "a.b.c",
    "___",
    "UPPER",
    "ends-with-dash-",
    `nightly-${"y".repeat(200)}`,
  ])("%s → a DNS-1035 label of at most 40 chars", (id) => {
    const name = workloadName(id);
    expect(isDns1035Label(name)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(WORKLOAD_NAME_MAX);
  });

  it("leaves room for JobSet pod hostnames and names", () => {
    const name = workloadName("z".repeat(63));
    // <js>-<rjob>-<jobIdx>-<podIdx>-<rand>, with 4-digit indexes and the 5-char random suffix.
    expect(`${name}-worker-9999-9999-abcde`.length).toBeLessThanOrEqual(63);
  });

  it("appends a hash when sanitising or truncating, so distinct ids never share a name", () => {
    const ids = ["Job-A", "job-a", "job_a", "job.a", "x".repeat(50), "x".repeat(51), "1abc", "j-1abc"];
    const names = ids.map(workloadName);
    expect(new Set(names).size).toBe(ids.length);
    expect(workloadName("Job-A")).toMatch(/^job-a-[0-9a-f]{8}$/);
    expect(workloadName("j-1abc")).toBe("j-1abc");
  });
});
