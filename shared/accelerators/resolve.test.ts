import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { GPU_CATALOG, TPU_CATALOG } from "./catalog.ts";
import { closeMatches, knownAccelerators, resolveAccelerator } from "./resolve.ts";
import { multiHostTopologies, topologyChips } from "./tpu-sizes.ts";

function thrown(fn: () => unknown): KineticError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KineticError) return err;
    throw err;
  }
  throw new Error("expected a KineticError");
}

// Every row of the TPU table in accelerators-and-scheduling.md section 1.
const TPU_ROWS: Array<[string, string, string, string, number, number, number]> = [
  // string, gke-tpu-accelerator, topology, machine type, hosts, tpu per pod, chips
  ["v4-8", "tpu-v4-podslice", "2x2x1", "ct4p-hightpu-4t", 1, 4, 4],
  ["v4-16", "tpu-v4-podslice", "2x2x2", "ct4p-hightpu-4t", 2, 4, 8],
  ["v4-32", "tpu-v4-podslice", "2x2x4", "ct4p-hightpu-4t", 4, 4, 16],
  ["v4-64", "tpu-v4-podslice", "2x4x4", "ct4p-hightpu-4t", 8, 4, 32],
  ["v4-128", "tpu-v4-podslice", "4x4x4", "ct4p-hightpu-4t", 16, 4, 64],
  ["v5litepod-1", "tpu-v5-lite-podslice", "1x1", "ct5lp-hightpu-1t", 1, 1, 1],
  ["v5litepod-4", "tpu-v5-lite-podslice", "2x2", "ct5lp-hightpu-4t", 1, 4, 4],
  ["v5litepod-8", "tpu-v5-lite-podslice", "2x4", "ct5lp-hightpu-8t", 1, 8, 8],
  ["v5litepod-16", "tpu-v5-lite-podslice", "4x4", "ct5lp-hightpu-4t", 4, 4, 16],
  ["v5litepod-32", "tpu-v5-lite-podslice", "4x8", "ct5lp-hightpu-4t", 8, 4, 32],
  ["v5litepod-64", "tpu-v5-lite-podslice", "8x8", "ct5lp-hightpu-4t", 16, 4, 64],
  ["v5litepod-128", "tpu-v5-lite-podslice", "8x16", "ct5lp-hightpu-4t", 32, 4, 128],
  ["v5litepod-256", "tpu-v5-lite-podslice", "16x16", "ct5lp-hightpu-4t", 64, 4, 256],
  ["v5p-8", "tpu-v5p-slice", "2x2x1", "ct5p-hightpu-4t", 1, 4, 4],
  ["v5p-16", "tpu-v5p-slice", "2x2x2", "ct5p-hightpu-4t", 2, 4, 8],
  ["v5p-32", "tpu-v5p-slice", "2x2x4", "ct5p-hightpu-4t", 4, 4, 16],
  ["v5p-64", "tpu-v5p-slice", "2x4x4", "ct5p-hightpu-4t", 8, 4, 32],
  ["v5p-128", "tpu-v5p-slice", "4x4x4", "ct5p-hightpu-4t", 16, 4, 64],
  ["v6e-1", "tpu-v6e-slice", "1x1", "ct6e-standard-1t", 1, 1, 1],
  ["v6e-4", "tpu-v6e-slice", "2x2", "ct6e-standard-4t", 1, 4, 4],
  ["v6e-8", "tpu-v6e-slice", "2x4", "ct6e-standard-8t", 1, 8, 8],
  ["v6e-16", "tpu-v6e-slice", "4x4", "ct6e-standard-4t", 4, 4, 16],
  ["v6e-32", "tpu-v6e-slice", "4x8", "ct6e-standard-4t", 8, 4, 32],
  ["v6e-64", "tpu-v6e-slice", "8x8", "ct6e-standard-4t", 16, 4, 64],
  ["v6e-128", "tpu-v6e-slice", "8x16", "ct6e-standard-4t", 32, 4, 128],
  ["v6e-256", "tpu-v6e-slice", "16x16", "ct6e-standard-4t", 64, 4, 256],
  ["tpu7x-8", "tpu7x", "2x2x1", "tpu7x-standard-4t", 1, 4, 4],
];

describe("TPU catalog", () => {
  it.each(TPU_ROWS)(
    "%s → %s %s on %s, %i host(s) × %i chips",
    (str, accel, topology, machine, hosts, perPod, chips) => {
      const r = resolveAccelerator(str);
      expect(r).toMatchObject({
        kind: "tpu",
        resourceName: "google.com/tpu",
        countPerPod: perPod,
        hosts,
        topology,
        machineType: machine,
        chips,
        maxPerNode: perPod,
      });
      expect(r.nodeSelector).toEqual({
        "cloud.google.com/gke-tpu-accelerator": accel,
        "cloud.google.com/gke-tpu-topology": topology,
      });
      expect(r.tolerations).toContainEqual({ key: "google.com/tpu", operator: "Exists", effect: "NoSchedule" });
    },
  );

  it("holds the rules for every size of every family", () => {
    for (const family of TPU_CATALOG) {
      for (const topology of multiHostTopologies(family)) {
        const chips = topologyChips(topology);
        const r = resolveAccelerator(`tpu-${family.family}-${topology}`);
        expect(r.chips).toBe(chips);
        // Multi-host slices are always built from 4-chip VMs: hosts = chips / 4.
        expect(r.hosts).toBe(chips / 4);
        expect(r.countPerPod * r.hosts).toBe(chips);
      }
    }
  });

  it("maps v5e/v6e -8 to the single-host 8-chip VM (decision 1)", () => {
    expect(resolveAccelerator("v5e-8")).toMatchObject({ hosts: 1, countPerPod: 8, machineType: "ct5lp-hightpu-8t" });
    expect(resolveAccelerator("tpu-v6e-8")).toMatchObject({
      hosts: 1,
      countPerPod: 8,
      machineType: "ct6e-standard-8t",
    });
  });

  it("accepts aliases and returns the canonical name", () => {
    expect(resolveAccelerator("v5e-16").name).toBe("tpu-v5litepod-16");
    expect(resolveAccelerator("TPU-V6E-8").name).toBe("tpu-v6e-8");
    expect(resolveAccelerator("v4-8").name).toBe("tpu-v4-8");
    expect(resolveAccelerator("tpu-v5p-2x2x4").name).toBe("tpu-v5p-32");
    expect(resolveAccelerator("ironwood-8").name).toBe("tpu7x-8");
  });

  it("reaches the largest v5p slice, 16x16x24", () => {
    expect(resolveAccelerator("v5p-12288")).toMatchObject({ chips: 6144, hosts: 1536, topology: "16x16x24" });
  });

  it("rejects sizes the family does not offer, listing the ones it does", () => {
    const err = thrown(() => resolveAccelerator("tpu-v6e-12"));
    expect(err.code).toBe("unknown-accelerator");
    expect(err.message).toContain("v6e slices come in sizes 1, 4, 8, 16, 32, 64, 128, 256");
    expect(err.issues[0]!.field).toBe("accelerator");
  });

  it("refuses a GPU count on a TPU", () => {
    const err = thrown(() => resolveAccelerator("tpu-v6e-8", { count: 2 }));
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toContain("must claim every chip");
  });
});

// Every row of the GPU table in section 2: name, max per node, machine at max.
const GPU_ROWS: Array<[string, number, string]> = [
  ["nvidia-tesla-t4", 4, "n1-standard-32"],
  ["nvidia-tesla-v100", 8, "n1-standard-64"],
  ["nvidia-l4", 8, "g2-standard-96"],
  ["nvidia-tesla-a100", 16, "a2-megagpu-16g"],
  ["nvidia-a100-80gb", 8, "a2-ultragpu-8g"],
  ["nvidia-h100-80gb", 8, "a3-highgpu-8g"],
  ["nvidia-h100-mega-80gb", 8, "a3-megagpu-8g"],
  ["nvidia-h200-141gb", 8, "a3-ultragpu-8g"],
  ["nvidia-b200", 8, "a4-highgpu-8g"],
  ["nvidia-gb200", 4, "a4x-highgpu-4g"],
];

describe("GPU catalog", () => {
  it("covers every table row", () => {
    expect(GPU_CATALOG.map((g) => g.name).sort()).toEqual(GPU_ROWS.map((r) => r[0]).sort());
  });

  it.each(GPU_ROWS)("%s: up to %i per node (%s)", (name, max, machine) => {
    const one = resolveAccelerator(name);
    expect(one).toMatchObject({
      kind: "gpu",
      name,
      resourceName: "nvidia.com/gpu",
      countPerPod: 1,
      hosts: 1,
      maxPerNode: max,
      nodeSelector: { "cloud.google.com/gke-accelerator": name },
    });
    expect(resolveAccelerator(`${name}:${max}`)).toMatchObject({ countPerPod: max, machineType: machine });
    const err = thrown(() => resolveAccelerator(name, { count: max * 2 }));
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toContain(`at most ${max}`);
    expect(err.issues[0]!.field).toBe("gpus");
  });

  it("picks the smallest machine that holds the count", () => {
    expect(resolveAccelerator("nvidia-l4:3").machineType).toBe("g2-standard-48");
    expect(resolveAccelerator("h100", { count: 2 }).machineType).toBe("a3-highgpu-2g");
  });

  it("16 × nvidia-l4 on one pod names the max 8 and the field the count came from", () => {
    const err = thrown(() => resolveAccelerator("nvidia-l4:16"));
    expect(err.message).toMatch(/16 × nvidia-l4 .*at most 8/);
    expect(err.issues[0]!.field).toBe("accelerator");
  });

  it("rejects a count given twice with different values", () => {
    expect(thrown(() => resolveAccelerator("l4:2", { count: 4 })).message).toContain("give the count once");
    expect(resolveAccelerator("l4:2", { count: 2 }).countPerPod).toBe(2);
  });

  it("resolves generic GPUs by vendor without a model selector", () => {
    expect(resolveAccelerator("gpu:2")).toMatchObject({
      name: "gpu",
      resourceName: "nvidia.com/gpu",
      countPerPod: 2,
      nodeSelector: {},
    });
    expect(resolveAccelerator("gpu", { vendor: "amd" }).resourceName).toBe("amd.com/gpu");
    expect(thrown(() => resolveAccelerator("nvidia-l4", { vendor: "amd" })).issues[0]!.field).toBe("gpuVendor");
  });
});

describe("capacity selectors", () => {
  it("adds the spot selector and toleration", () => {
    const r = resolveAccelerator("nvidia-l4", { spot: true });
    expect(r.nodeSelector["cloud.google.com/gke-spot"]).toBe("true");
    expect(r.tolerations).toContainEqual({
      key: "cloud.google.com/gke-spot",
      operator: "Equal",
      value: "true",
      effect: "NoSchedule",
    });
  });

  it("adds the reservation selectors", () => {
    const r = resolveAccelerator("v5p-8", { reservation: { name: "res-a", project: "shared-proj" } });
    expect(r.nodeSelector).toMatchObject({
      "cloud.google.com/reservation-name": "res-a",
      "cloud.google.com/reservation-affinity": "specific",
      "cloud.google.com/reservation-project": "shared-proj",
    });
  });

  it("cpu has no accelerator resource but keeps capacity selectors", () => {
    expect(resolveAccelerator("cpu")).toMatchObject({ kind: "cpu", resourceName: null, countPerPod: 0, hosts: 1 });
    expect(resolveAccelerator("cpu", { spot: true }).nodeSelector).toEqual({ "cloud.google.com/gke-spot": "true" });
  });
});

describe("unknown accelerators", () => {
  it.each([
    ["nvidia-l5", "nvidia-l4"],
    ["tpu-v6e8", "tpu-v6e-8"],
    ["v5litepod-61", "tpu-v5litepod-16"],
    ["h10", "nvidia-h100-80gb"],
    ["a100-80g", "nvidia-a100-80gb"],
  ])("%s suggests %s", (input, expected) => {
    const err = thrown(() => resolveAccelerator(input));
    expect(err.code).toBe("unknown-accelerator");
    expect(err.message).toContain(`"${input}"`);
    expect(err.message).toContain(`"${expected}"`);
    expect(closeMatches(input)).toContain(expected);
  });

  it("lists the known kinds when nothing is close", () => {
    const err = thrown(() => resolveAccelerator("quantum-annealer-9000"));
    expect(err.code).toBe("unknown-accelerator");
    expect(err.message).toContain("known kinds: cpu, gpu, nvidia-tesla-t4");
  });

  it("rejects a ':N' count on a TPU string", () => {
    expect(thrown(() => resolveAccelerator("tpu-v6e-8:2")).code).toBe("unknown-accelerator");
  });

  it("knows every catalog entry by its canonical name", () => {
    for (const name of knownAccelerators()) expect(resolveAccelerator(name).name).toBe(name);
  });
});
