/** statusMany: lists per namespace from BULK_MIN workloads on, joins pods and Kueue Workloads to their owners. */
import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { BULK_MIN, statusMany, type ListingApi } from "./status-many.ts";
import type { WorkloadRef } from "./types.ts";

const job = (name: string, o: { suspend?: boolean; done?: "Complete" | "Failed"; uid?: string } = {}) => ({
  metadata: { name, namespace: "ns", uid: o.uid ?? `uid-${name}` },
  spec: { suspend: o.suspend ?? false },
  status: o.done ? { conditions: [{ type: o.done, status: "True", reason: o.done }] } : {},
});
const pod = (owner: Record<string, string>, phase: string): V1Pod => ({
  metadata: { labels: owner },
  status: { phase },
});

function fakeApi(objects: Record<string, KubernetesObject[]>) {
  const calls: string[] = [];
  const api: ListingApi = {
    listAll: async (kind, namespace) => {
      calls.push(`list ${kind} ${namespace}`);
      return (objects[kind] ?? []).filter((o) => o.metadata?.namespace === namespace || kind === "Workload");
    },
    observeOne: async (ref) => {
      calls.push(`get ${ref.name}`);
      return { exists: false, pods: [] };
    },
  };
  return { api, calls };
}

const ref = (name: string, kind: "Job" | "JobSet" = "Job", namespace = "ns"): WorkloadRef => ({
  kind,
  name,
  namespace,
});

describe("statusMany", () => {
  it("lists a busy namespace once per kind and its pods once, whatever the number of workloads", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `j${i}`);
    const { api, calls } = fakeApi({
      Job: names.map((n, i) => job(n, i === 0 ? { done: "Complete" } : {})),
      Pod: [
        ...names.slice(1).map((n) => pod({ "batch.kubernetes.io/job-name": n }, "Running")),
        { ...pod({ "batch.kubernetes.io/job-name": "j0" }, "Succeeded") },
      ].map((p) => ({ ...p, metadata: { ...p.metadata, namespace: "ns" } })),
    });
    const out = await statusMany(api, [...names.map((n) => ref(n)), ref("gone")]);
    expect(calls.sort()).toEqual(["list Job ns", "list Pod ns"]);
    expect(out.get("Job/ns/j0")).toMatchObject({ status: { phase: "Succeeded" } });
    expect(out.get("Job/ns/j5")).toMatchObject({ status: { phase: "Running", pods: { running: 1 } } });
    expect(out.get("Job/ns/gone")).toMatchObject({ status: { phase: "Missing" } });
  });

  it(`reads a namespace with fewer than ${BULK_MIN} workloads one by one (listing it could cost more)`, async () => {
    const { api, calls } = fakeApi({});
    await statusMany(api, [ref("a", "Job", "quiet"), ref("b", "Job", "quiet")]);
    expect(calls.sort()).toEqual(["get a", "get b"]);
  });

  it("a JobSet's pods are its own (not their child Job's), and a queued workload gets Kueue's reason", async () => {
    const names = ["s0", "s1", "s2", "s3", "q0"];
    const { api, calls } = fakeApi({
      JobSet: names.map((n) => job(n, n === "q0" ? { suspend: true } : {})),
      Pod: ["s0", "s1", "s2", "s3"].map((n) => ({
        ...pod({ "jobset.sigs.k8s.io/jobset-name": n, "batch.kubernetes.io/job-name": `${n}-workers-0` }, "Running"),
        metadata: {
          namespace: "ns",
          labels: { "jobset.sigs.k8s.io/jobset-name": n, "batch.kubernetes.io/job-name": `${n}-workers-0` },
        },
      })),
      Workload: [
        {
          metadata: { name: "wl", namespace: "ns", labels: { "kueue.x-k8s.io/job-uid": "uid-q0" } },
          status: { conditions: [{ type: "QuotaReserved", status: "False", reason: "Pending", message: "no quota" }] },
        } as KubernetesObject,
      ],
    });
    const out = await statusMany(
      api,
      names.map((n) => ref(n, "JobSet")),
    );
    expect(out.get("JobSet/ns/s1")).toMatchObject({ status: { phase: "Running" } });
    expect(out.get("JobSet/ns/q0")).toMatchObject({
      status: { phase: "Pending", pending: { kind: "Queued", message: "no quota" } },
    });
    expect(calls).toContain("list Workload ns");
  });

  it("a failed list marks every workload of that namespace with the error, and only those", async () => {
    const names = Array.from({ length: BULK_MIN }, (_, i) => `j${i}`);
    const api: ListingApi = {
      listAll: async (_kind, namespace) => {
        if (namespace === "broken") throw new Error("503");
        return [];
      },
      observeOne: async () => ({ exists: false, pods: [] }),
    };
    const out = await statusMany(api, [...names.map((n) => ref(n, "Job", "broken")), ref("x", "Job", "fine")]);
    expect(out.get("Job/broken/j0")).toMatchObject({ error: expect.any(Error) });
    expect(out.get("Job/fine/x")).toMatchObject({ status: { phase: "Missing" } });
  });
});
