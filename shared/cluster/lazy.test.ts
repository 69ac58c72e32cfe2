/** lazyCluster and lazyBus: nothing is built until the first call; a failed build is tried again. */
import { describe, expect, it } from "vitest";
import { lazyBus } from "../bus/lazy-bus.ts";
import { RecordingBus } from "../bus/event-bus.ts";
import { lazyCluster } from "./lazy.ts";
import { MemoryCluster } from "./memory-cluster.ts";

describe("lazy clients", () => {
  it("builds the cluster backend on the first call only, and again after a failed build", async () => {
    let builds = 0;
    const backend = new MemoryCluster();
    const client = lazyCluster(async () => {
      builds++;
      if (builds === 1) throw new Error("no credentials yet");
      return backend;
    });
    expect(builds).toBe(0);
    await expect(client.status({ kind: "Job", name: "x", namespace: "ns" })).rejects.toThrow("no credentials yet");
    expect(await client.status({ kind: "Job", name: "x", namespace: "ns" })).toEqual({ phase: "Missing" });
    await client.listManaged("ns", ["Job"]);
    expect(builds).toBe(2);
  });

  it("a method the backend lacks is a failed-precondition naming it", async () => {
    const bare = { ...new MemoryCluster(), readWorkloads: undefined } as unknown as MemoryCluster;
    await expect(lazyCluster(async () => bare).readWorkloads("ns")).rejects.toMatchObject({
      code: "failed-precondition",
      message: "this cluster backend has no readWorkloads",
    });
  });

  it("builds the bus on the first publish", async () => {
    const recording = new RecordingBus();
    let builds = 0;
    const bus = lazyBus(async () => {
      builds++;
      return recording;
    });
    expect(builds).toBe(0);
    await bus.publish("jobEvents", { a: 1 });
    await bus.publish("jobEvents", { a: 2 });
    expect(builds).toBe(1);
    expect(recording.messages).toHaveLength(2);
  });
});
