import { describe, expect, it } from "vitest";
import { createLogger } from "./log.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger({ svc: "t" }, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)) };
}

describe("logger", () => {
  it("writes Cloud Logging JSON with severity, message and fields", () => {
    const { lines, log } = capture();
    log.child({ jobId: "j1" }).warn("slow", { ms: 5 });
    expect(lines[0]).toMatchObject({ severity: "WARNING", message: "slow", svc: "t", jobId: "j1", ms: 5 });
  });

  it("redacts secret-looking fields at any depth", () => {
    const { lines, log } = capture();
    log.info("call", { headers: { Authorization: "Bearer abc" }, apiToken: "xyz", nested: [{ password: "p" }] });
    const text = JSON.stringify(lines[0]);
    for (const secret of ["Bearer abc", "xyz", '"p"']) expect(text).not.toContain(secret);
  });

  it("keeps an error's name, message and code", () => {
    const { lines, log } = capture();
    log.error("failed", { error: Object.assign(new Error("boom"), { code: 14 }) });
    expect(lines[0]!.error).toEqual({ name: "Error", message: "boom", code: 14 });
  });
});
