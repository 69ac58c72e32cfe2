/** Which Secrets/ConfigMaps/ServiceAccounts a live workload's pod templates use; finished workloads use nothing. */
import { describe, expect, it } from "vitest";
import { collectReferences, refKey } from "./references.ts";

const podSpec = {
  serviceAccountName: "trainer",
  imagePullSecrets: [{ name: "pull" }],
  volumes: [
    { secret: { secretName: "vol-secret" } },
    { configMap: { name: "vol-cm" } },
    { projected: { sources: [{ secret: { name: "proj" } }] } },
  ],
  containers: [
    { env: [{ valueFrom: { secretKeyRef: { name: "env-secret" } } }], envFrom: [{ configMapRef: { name: "env-cm" } }] },
  ],
};

describe("collectReferences", () => {
  it("reads Job and JobSet pod templates of unfinished workloads", () => {
    const refs = collectReferences([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j", namespace: "ns" },
        spec: { template: { spec: podSpec } },
      },
      {
        apiVersion: "jobset.x-k8s.io/v1alpha2",
        kind: "JobSet",
        metadata: { name: "js", namespace: "ns" },
        spec: {
          replicatedJobs: [
            { template: { spec: { template: { spec: { volumes: [{ secret: { secretName: "vol-secret" } }] } } } } },
          ],
        },
      },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "done", namespace: "ns" },
        spec: { template: { spec: { volumes: [{ secret: { secretName: "only-done" } }] } } },
        status: { conditions: [{ type: "Complete", status: "True" }] },
      },
    ]);
    expect([...refs.keys()].sort()).toEqual(
      [
        refKey("ConfigMap", "ns", "env-cm"),
        refKey("ConfigMap", "ns", "vol-cm"),
        refKey("Secret", "ns", "env-secret"),
        refKey("Secret", "ns", "proj"),
        refKey("Secret", "ns", "pull"),
        refKey("Secret", "ns", "vol-secret"),
        refKey("ServiceAccount", "ns", "trainer"),
      ].sort(),
    );
    expect(refs.get(refKey("Secret", "ns", "vol-secret"))).toEqual(["Job/ns/j", "JobSet/ns/js"]);
  });
});
