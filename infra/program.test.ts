// The plain-Pulumi entry point reads its settings from stack config and
// refuses to run without an explicit pool list.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { computedState, type Recorded } from "./test-support.ts";

describe("program.ts (pulumi up from infra/)", () => {
  it("deploys from stack config, including the pools", async () => {
    const resources: Recorded[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          resources.push({ type: a.type, name: a.name, inputs: a.inputs });
          return { id: `${a.name}-id`, state: { ...a.inputs, ...computedState(a.type, a.inputs) } };
        },
        call: (a) => ({ ...a.inputs, number: "1" }),
      },
      "kinetic",
      "acme-ml-train",
      false,
    );
    pulumi.runtime.setAllConfig({
      "gcp:project": "acme-ml",
      "gcp:zone": "us-central1-a",
      "kinetic:cluster": "train",
      "kinetic:pools": JSON.stringify([
        { name: "l4", kind: "gpu", machineType: "g2-standard-12", gpuType: "nvidia-l4", gpusPerNode: 1 },
      ]),
    });
    const program = await import("./program.ts");
    const pools = await new Promise((done) => pulumi.output(program.pools).apply(done));
    await pulumi.runtime.disconnect();
    expect(pools).toEqual([expect.objectContaining({ name: "l4" })]);
    const nodePools = resources.filter((r) => r.type === "gcp:container/nodePool:NodePool").map((r) => r.inputs.name);
    expect(nodePools.sort()).toEqual(["cpu", "l4"]);
    expect(resources.find((r) => r.type === "gcp:container/cluster:Cluster")?.inputs.name).toBe("train");
  });
});
