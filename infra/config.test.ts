// Config and pool validation: bad input names the field and the reason.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../functions/deploy.ts";
import { KineticError } from "../shared/errors.ts";
import { DEFAULT_VERSIONS, parseInfraConfig, parsePoolSpec } from "./config.ts";
import { assertNotPrimitive } from "./iam.ts";
import { functionSlug, runtimeAccountId, stackName, stateBackendUrl } from "./naming.ts";
import { describePool, poolShape } from "./pools.ts";
import { checkPubsubTrigger } from "./pubsub.ts";
import { REPO_ROOT } from "./test-support.ts";

function issuesOf(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KineticError);
    expect((err as KineticError).code).toBe("invalid-argument");
    return (err as KineticError).issues;
  }
  throw new Error("expected a validation error");
}

describe("parseInfraConfig", () => {
  it("fills defaults and derives the region from the zone", () => {
    const cfg = parseInfraConfig({ project: "acme-ml", zone: "europe-west4-b", cluster: "train" });
    expect(cfg.region).toBe("europe-west4");
    expect(cfg.pools).toEqual([]);
    expect(cfg.namespaces).toEqual(["default"]);
    expect(cfg.cpuPool).toEqual({ machineType: "e2-standard-8", minNodes: 1, maxNodes: 5 });
  });

  it("names each bad field", () => {
    const issues = issuesOf(() => parseInfraConfig({ project: "Bad_Project", zone: "us-central1", cluster: "train" }));
    expect(issues.map((i) => i.field).sort()).toEqual(["project", "zone"]);
    expect(issues.find((i) => i.field === "zone")?.message).toMatch(/zone such as us-central1-a/);
  });

  it("rejects duplicate pool names and the reserved cpu pool name", () => {
    const gpu = { kind: "gpu", machineType: "g2-standard-12", gpuType: "nvidia-l4", gpusPerNode: 1 };
    const dup = issuesOf(() =>
      parseInfraConfig({
        project: "acme-ml",
        zone: "us-central1-a",
        cluster: "c1",
        pools: [
          { ...gpu, name: "a" },
          { ...gpu, name: "a" },
        ],
      }),
    );
    expect(dup).toEqual([{ field: "pools.1.name", message: 'duplicate pool "a"' }]);
    const reserved = issuesOf(() => parsePoolSpec({ ...gpu, name: "cpu" }));
    expect(reserved[0]?.field).toBe("name");
  });
});

describe("pool shapes", () => {
  const tpu = (machineType: string, topology: string, extra: object = {}) =>
    parsePoolSpec({ name: "p", kind: "tpu", machineType, topology, ...extra });

  it("sizes TPU slices from the machine type and topology", () => {
    expect(poolShape(tpu("ct6e-standard-4t", "4x4"))).toMatchObject({
      hosts: 4,
      perNode: 4,
      maxNodes: 4,
      placementTopology: "4x4",
    });
    expect(poolShape(tpu("ct5p-hightpu-4t", "2x2x2"))).toMatchObject({
      hosts: 2,
      perNode: 4,
      placementTopology: "2x2x2",
    });
    const single = poolShape(tpu("ct6e-standard-8t", "2x4"));
    expect(single).toMatchObject({ hosts: 1, perNode: 8, maxNodes: 1 });
    expect(single.placementTopology).toBeUndefined();
    expect(single.nodeLabels["cloud.google.com/gke-tpu-accelerator"]).toBe("tpu-v6e-slice");
  });

  it("explains impossible TPU pools, naming the field", () => {
    expect(issuesOf(() => tpu("ct6e-standard-4t", "2x2x2"))).toEqual([
      { field: "topology", message: expect.stringMatching(/2-D topologies/) },
    ]);
    expect(issuesOf(() => tpu("ct6e-standard-8t", "4x4"))).toEqual([
      { field: "machineType", message: expect.stringMatching(/multi-host slices .* 4-chip/) },
    ]);
    expect(issuesOf(() => tpu("ct6e-standard-8t", "2x2"))[0]?.field).toBe("topology");
    expect(issuesOf(() => tpu("n2-standard-8", "2x2"))[0]).toEqual({
      field: "machineType",
      message: expect.stringMatching(/not a TPU machine type/),
    });
    expect(issuesOf(() => tpu("ct6e-standard-4t", "4x4", { maxNodes: 2 }))[0]).toEqual({
      field: "maxNodes",
      message: expect.stringMatching(/exactly 4 hosts/),
    });
  });

  it("validates GPU pools and reservations", () => {
    const base = { name: "g", kind: "gpu", machineType: "a3-highgpu-8g", gpuType: "nvidia-h100-80gb", gpusPerNode: 8 };
    expect(poolShape(parsePoolSpec({ ...base, maxNodes: 2 }))).toMatchObject({
      resource: "nvidia.com/gpu",
      perNode: 8,
      maxNodes: 2,
    });
    expect(issuesOf(() => parsePoolSpec({ ...base, gpuType: "h100" }))[0]?.field).toBe("gpuType");
    expect(issuesOf(() => parsePoolSpec({ ...base, minNodes: 3, maxNodes: 1 }))[0]?.field).toBe("minNodes");
    expect(issuesOf(() => parsePoolSpec({ ...base, reservation: "Bad Name!" }))[0]?.field).toBe("reservation");
    expect(describePool(parsePoolSpec({ ...base, spot: true, reservation: "r1" }))).toBe(
      "g  gpu  a3-highgpu-8g  8x nvidia-h100-80gb  nodes 0-1  spot reservation=r1",
    );
  });
});

describe("naming and deploy declaration checks", () => {
  it("names the state bucket and stack per project and cluster", () => {
    expect(stateBackendUrl("acme-ml")).toBe("gs://acme-ml-kinetic-state");
    expect(stackName("acme-ml", "train")).toBe("acme-ml-train");
  });

  it("derives a valid service account id for every declared function", () => {
    for (const cluster of ["a", "train", "exactly-10", "a-forty-character-cluster-name-abcdefghij"])
      for (const f of FUNCTIONS) expect(runtimeAccountId(cluster, f)).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    const long = { ...FUNCTIONS[0]!, source: "functions/a-very-long-function-folder-name/index.ts" };
    // A long function folder is cut to fit, as a long cluster name is, rather than failing the deploy.
    expect(runtimeAccountId("a-forty-character-cluster-name-abcdefghij", long)).toMatch(
      /^kinetic-a-for-[0-9a-f]{4}-a-very-[0-9a-f]{4}$/,
    );
    expect(() => functionSlug({ ...FUNCTIONS[0]!, source: "lib/x.ts" })).toThrow(/expected functions/);
  });

  it("refuses primitive roles and out-of-range Pub/Sub settings", () => {
    expect(() => assertNotPrimitive("roles/editor", "function x")).toThrow(/primitive role roles\/editor/);
    expect(() => assertNotPrimitive("roles/datastore.user", "function x")).not.toThrow();
    const sub = FUNCTIONS.find((f) => f.trigger.kind === "pubsub")!;
    for (const f of FUNCTIONS) expect(() => checkPubsubTrigger(f)).not.toThrow();
    const bad = {
      ...sub,
      trigger: {
        kind: "pubsub" as const,
        topic: "jobs" as const,
        maxDeliveryAttempts: 3,
        minBackoffSeconds: 10,
        maxBackoffSeconds: 600,
      },
    };
    expect(() => checkPubsubTrigger(bad)).toThrow(/5-100/);
  });

  it("pins the same Kueue and JobSet versions the Kubernetes testbed runs", () => {
    const env = readFileSync(`${REPO_ROOT}/testbed/versions.env`, "utf8");
    expect(env).toMatch(new RegExp(`^KUEUE_VERSION=${DEFAULT_VERSIONS.kueue.replace(/\./g, "\\.")}$`, "m"));
    expect(env).toMatch(new RegExp(`^JOBSET_VERSION=${DEFAULT_VERSIONS.jobset.replace(/\./g, "\\.")}$`, "m"));
  });
});
