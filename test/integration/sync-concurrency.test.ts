/**
 * Concurrent syncJobs runs on the Firestore emulator (overlapping cron ticks,
 * a retried tick): every job's finished event is published once, and every
 * job leaves the active set. The cluster is the in-memory one: this is about
 * Firestore transactions, not Kubernetes.
 */
import { describe, expect, it } from "vitest";
import { RecordingBus } from "../../shared/bus/event-bus.ts";
import { MemoryCluster } from "../../shared/cluster/memory-cluster.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { testDeps } from "./support.ts";

describe("concurrent syncs on Firestore", () => {
  it("publish each finished job's event once", async () => {
    const cluster = new MemoryCluster();
    const bus = new RecordingBus();
    const deps = testDeps({ namespaces: ["ns"], cluster, bus });
    const ids = Array.from({ length: 12 }, (_, i) => `fin-${i}`);
    for (const id of ids) {
      await submitJob(deps, { spec: { id, namespace: "ns", image: "python:3.12" }, principal: "t", source: "t" });
      cluster.setStatus((await deps.store.get({ namespace: "ns", id }))!.workload!, { phase: "Succeeded" });
    }
    // Publishing takes a round trip, so the syncs overlap while a job is still unpublished.
    const publish = bus.publish.bind(bus);
    bus.publish = async (...args) => {
      await new Promise((r) => setTimeout(r, 20));
      return publish(...args);
    };
    const summaries = await Promise.all(Array.from({ length: 4 }, () => syncJobs(deps, { pageSize: 5 })));
    expect(summaries.reduce((n, s) => n + s.errors, 0)).toBe(0);
    const published = bus.messages.map((m) => m.attributes.eventId).sort();
    expect(published).toEqual(ids.map((id) => `ns:${id}:finished`).sort());
    for (const id of ids) expect((await deps.store.get({ namespace: "ns", id }))?.active).toBe(false);
  });
});
