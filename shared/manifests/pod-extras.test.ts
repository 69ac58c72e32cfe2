/**
 * What a pod gets beyond its program, as rendered: the resume contract (attempt name, label and env, the same
 * checkpoint dir for every attempt), Metaflow's downward-API env, volumes with HF_HOME, the FUSE mount of the
 * job's own output folder, the coordinator wait of multi-host jobs, and the claims (own vs shared).
 */
import { describe, expect, it } from "vitest";
import { parseJobSpec, type JobSpecInput } from "../schemas/job-spec.ts";
import { renderWorkload, type RenderOptions } from "./render.ts";
import { renderClaims } from "./claims.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function pod(spec: JobSpecInput, id = "j", opts: RenderOptions = { outputDirBase: "gs://bkt/runs" }): Obj {
  const w = renderWorkload(id, parseJobSpec(spec), opts) as Obj;
  const template = w.kind === "Job" ? w.spec.template : w.spec.replicatedJobs[0].template.spec.template;
  return { workload: w, template, spec: template.spec, container: template.spec.containers[0] };
}

function env(container: Obj): Record<string, string> {
  return Object.fromEntries(
    container.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]),
  ) as Record<string, string>;
}

describe("the resume contract", () => {
  it("attempt N gets its own workload name and label, KINETIC_ATTEMPT=N and attempt 1's checkpoint dir", () => {
    const one = pod({ namespace: "ml" }, "train-7");
    const two = pod({ namespace: "ml" }, "train-7", { outputDirBase: "gs://bkt/runs", attempt: 2 });
    expect(one.workload.metadata.name).toBe("train-7");
    expect(two.workload.metadata.name).toMatch(/^train-7-a2-[0-9a-f]{8}$/);
    expect(two.workload.metadata.labels["kinetic.dev/attempt"]).toBe("2");
    expect(env(one.container).KINETIC_ATTEMPT).toBe("1");
    expect(env(two.container).KINETIC_ATTEMPT).toBe("2");
    expect(env(two.container).KINETIC_CHECKPOINT_DIR).toBe("gs://bkt/runs/ml/train-7/checkpoints/");
    expect(env(two.container).KINETIC_CHECKPOINT_DIR).toBe(env(one.container).KINETIC_CHECKPOINT_DIR);
  });

  it("gives every container Metaflow's downward-API env", () => {
    expect(env(pod({}).container)).toMatchObject({
      POD_NAME: "metadata.name",
      POD_NAMESPACE: "metadata.namespace",
      POD_ID: "metadata.uid",
      NODE_IP: "status.hostIP",
    });
  });
});

describe("volumes and mounts", () => {
  it("mounts the data volume and the HF cache at the defaults, sets HF_HOME, and keeps a user's HF_HOME", () => {
    const p = pod({ data: { size: "10Gi" }, hfCache: { claim: "shared-hf" } });
    expect(p.container.volumeMounts).toEqual([
      { name: "kinetic-data", mountPath: "/workload" },
      { name: "kinetic-hf-cache", mountPath: "/hf_cache" },
    ]);
    expect(p.spec.volumes.map((v: Obj) => v.persistentVolumeClaim.claimName)).toEqual(["j-data", "shared-hf"]);
    expect(env(p.container).HF_HOME).toBe("/hf_cache");
    const own = pod({ hfCache: { size: "1Gi" }, env: { HF_HOME: "/mine" } });
    expect(own.container.env.filter((e: Obj) => e.name === "HF_HOME")).toEqual([{ name: "HF_HOME", value: "/mine" }]);
  });

  it("mounts only the job's own output folder through Cloud Storage FUSE, with the checkpoint dir inside it", () => {
    const p = pod({ namespace: "ml", outputMount: "/outputs" }, "ft");
    expect(p.template.metadata.annotations["gke-gcsfuse/volumes"]).toBe("true");
    expect(p.spec.volumes).toContainEqual({
      name: "kinetic-outputs",
      csi: {
        driver: "gcsfuse.csi.storage.gke.io",
        volumeAttributes: { bucketName: "bkt", mountOptions: "implicit-dirs,only-dir=runs/ml/ft" },
      },
    });
    expect(env(p.container).KINETIC_CHECKPOINT_DIR).toBe("/outputs/checkpoints/");
    expect(env(p.container).KINETIC_OUTPUT_DIR).toBe("gs://bkt/runs/ml/ft/");
  });

  it("downloads run as init containers, skipped when their marker is there", () => {
    const p = pod({ data: { size: "1Gi", download: ["gs://bucket/set/"] } });
    expect(p.spec.initContainers).toHaveLength(1);
    expect(p.spec.initContainers[0].command[2]).toMatch(/^if \[ -f '\/workload\/\.kinetic-download-[0-9a-f]{12}' \]/);
    expect(p.spec.initContainers[0].volumeMounts).toEqual([{ name: "kinetic-data", mountPath: "/workload" }]);
  });
});

describe("multi-host jobs", () => {
  it("wait for the coordinator's name before starting, for hostnameResolutionTimeoutSeconds, then fail clearly", () => {
    const p = pod({ accelerator: "tpu-v5litepod-16", hostnameResolutionTimeoutSeconds: 90, image: "jax:1" }, "slice");
    const wait = p.spec.initContainers[0];
    expect(wait.name).toBe("kinetic-wait-coordinator");
    expect(wait.image).toBe("jax:1");
    expect(wait.command[2]).toContain("+ 90");
    expect(wait.command[2]).toContain("did not resolve within 90 s (hostnameResolutionTimeoutSeconds)");
    expect(env(wait).KINETIC_COORDINATOR_ADDRESS).toBe("slice-worker-0-0.slice.default.svc.cluster.local");
    expect(pod({}).spec.initContainers).toBeUndefined();
  });
});

describe("claims", () => {
  it("the job's own claim names the job and carries its TTL mark; a shared one names no job", () => {
    const claims = renderClaims(
      "j",
      parseJobSpec({ data: { size: "5Gi", deleteAfterTtl: true }, hfCache: { claim: "hf", size: "9Gi" } }),
      {
        pods: 4,
      },
    );
    expect(claims.map((c) => [c.metadata.name, c.metadata.labels["kinetic.dev/claim-owner"]])).toEqual([
      ["j-data", "job"],
      ["hf", "shared"],
    ]);
    expect(claims[0]!.metadata.labels["kinetic.dev/delete-after-ttl"]).toBe("true");
    expect(claims[1]!.metadata.labels["kinetic.dev/job-id"]).toBeUndefined();
    expect(claims[0]!.spec.accessModes).toEqual(["ReadWriteMany"]);
  });
});
