import { describe, expect, it } from "vitest";
import { clusterTimeoutMs } from "./connect.ts";
import { DEFAULT_TIMEOUT_MS } from "./kube.ts";

describe("clusterTimeoutMs", () => {
  it("defaults to 30 s when unset or empty", () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(30_000);
    expect(clusterTimeoutMs({})).toBe(30_000);
    expect(clusterTimeoutMs({ KINETIC_CLUSTER_TIMEOUT_SECONDS: "" })).toBe(30_000);
  });

  it("reads whole seconds", () => {
    expect(clusterTimeoutMs({ KINETIC_CLUSTER_TIMEOUT_SECONDS: "45" })).toBe(45_000);
  });

  it("fails loudly, naming the variable, on a bad value", () => {
    for (const bad of ["0", "-5", "1.5", "30s", "abc"]) {
      expect(() => clusterTimeoutMs({ KINETIC_CLUSTER_TIMEOUT_SECONDS: bad })).toThrow(
        /KINETIC_CLUSTER_TIMEOUT_SECONDS: expected a positive whole number of seconds/,
      );
    }
  });
});
