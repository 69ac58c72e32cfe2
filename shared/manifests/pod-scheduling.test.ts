import { describe, expect, it } from "vitest";
import { parseJobSpec } from "../schemas/job-spec.ts";
import { renderWorkload } from "./render.ts";

const GPU = { image: "busybox", namespace: "ns", accelerator: "nvidia-l4", gpus: 1, command: ["true"] };
type Pod = { spec: { schedulerName?: string; tolerations?: unknown[] } };
const podOf = (w: ReturnType<typeof renderWorkload>) => (w.spec as { template: Pod }).template ?? undefined;

describe("the operator config's scheduling settings on rendered pods", () => {
  it("names the configured scheduler, and leaves the default scheduler implicit", () => {
    const spec = parseJobSpec(GPU);
    const custom = podOf(renderWorkload("j", spec, { scheduling: { schedulerName: "bin-packing" } }));
    expect(custom.spec.schedulerName).toBe("bin-packing");
    const plain = podOf(renderWorkload("j", spec, { scheduling: { schedulerName: "default-scheduler" } }));
    expect(plain.spec).not.toHaveProperty("schedulerName");
  });

  it("lets GPU pods tolerate the GPU taint key, once; CPU pods get nothing", () => {
    const scheduling = { gpuTaintKey: "example.com/gpu-node", gpuResourceKey: "nvidia.com/gpu" };
    const gpu = podOf(renderWorkload("j", parseJobSpec(GPU), { scheduling }));
    expect(gpu.spec.tolerations).toContainEqual({
      key: "example.com/gpu-node",
      operator: "Exists",
      effect: "NoSchedule",
    });
    const already = parseJobSpec({
      ...GPU,
      tolerations: [{ key: "example.com/gpu-node", operator: "Exists", effect: "NoSchedule" }],
    });
    const once = podOf(renderWorkload("j", already, { scheduling })).spec.tolerations ?? [];
    expect(once.filter((t) => (t as { key?: string }).key === "example.com/gpu-node")).toHaveLength(1);
    const cpu = podOf(
      renderWorkload("j", parseJobSpec({ ...GPU, accelerator: "cpu", gpus: undefined }), { scheduling }),
    );
    expect(cpu.spec.tolerations ?? []).not.toContainEqual(expect.objectContaining({ key: "example.com/gpu-node" }));
  });
});
