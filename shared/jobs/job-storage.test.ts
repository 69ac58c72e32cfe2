/**
 * A job's storage at submission, on the in-memory deps: the operator configuration's storage defaults reach the
 * claims and the pod (mount paths, storage class), claims exist before the workload, a shared claim is created
 * once however many jobs name it, and an output prefix the deployment cannot use is a field error.
 */
import { describe, expect, it } from "vitest";
import { memoryDeps } from "../testing.ts";
import { submitJob } from "./submit.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("job storage at submission", () => {
  it("uses the operator configuration's storage class and mount paths", async () => {
    const deps = memoryDeps({ namespaces: ["ns"] });
    const { revision } = await deps.operatorConfig.read();
    await deps.operatorConfig.write(
      { data: { defaultStorageClass: "premium-rwo", defaultDataMountPath: "/data", defaultHfMountPath: "/models" } },
      { by: "test", ifRevision: revision },
    );
    const outcome = await submitJob(deps, {
      spec: {
        id: "vol",
        namespace: "ns",
        command: ["true"],
        data: { size: "5Gi" },
        hfCache: { claim: "hf", size: "9Gi" },
      },
      principal: "pubsub",
      source: "test",
    });
    expect(outcome.status).toBe("created");
    expect(
      [...deps.cluster.objects.values()].filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.name),
    ).toEqual(["vol-data", "hf"]);
    const workload = [...deps.cluster.submitted.values()][0]! as unknown as Obj;
    const container = workload.spec.template.spec.containers[0];
    expect(container.volumeMounts).toEqual([
      { name: "kinetic-data", mountPath: "/data" },
      { name: "kinetic-hf-cache", mountPath: "/models" },
    ]);
    expect(container.env.find((e: Obj) => e.name === "HF_HOME").value).toBe("/models");
    expect(outcome.status === "created" && outcome.job.outputDir).toBe("/tmp/kinetic-output/ns/vol/");
  });

  it("creates a shared claim once for concurrent jobs that name it", async () => {
    const deps = memoryDeps({ namespaces: ["ns"] });
    await Promise.all(
      ["a", "b", "c"].map((id) =>
        submitJob(deps, {
          spec: { id, namespace: "ns", command: ["true"], hfCache: { claim: "hf-shared", size: "50Gi" } },
          principal: "pubsub",
          source: "test",
        }),
      ),
    );
    expect(
      [...deps.cluster.objects.values()].filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.name),
    ).toEqual(["hf-shared"]);
    expect([...deps.cluster.objects.values()].filter((o) => o.kind === "Job")).toHaveLength(3);
  });

  it("refuses a local outputDir on a deployment that writes to Cloud Storage, naming the field", async () => {
    const deps = memoryDeps({ namespaces: ["ns"], config: { outputDirBase: "gs://kinetic-outputs" } });
    const outcome = await submitJob(deps, {
      spec: { namespace: "ns", command: ["true"], outputDir: "/scratch/out" },
      principal: "tester",
      source: "test",
      recordRejections: false,
    });
    expect(outcome.status).toBe("rejected");
    if (outcome.status === "rejected")
      expect(outcome.error.issues).toEqual([
        { field: "outputDir", message: expect.stringMatching(/Cloud Storage prefix/) },
      ]);
    expect(deps.cluster.submits).toBe(0);
  });
});
