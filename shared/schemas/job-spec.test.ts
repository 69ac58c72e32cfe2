import { describe, expect, it } from "vitest";
import { KineticError, type FieldIssue } from "../errors.ts";
import { JOB_SPEC_DEFAULTS, parseJobSpec } from "./job-spec.ts";

function issuesOf(input: unknown): { code: string; issues: FieldIssue[] } {
  try {
    parseJobSpec(input);
  } catch (err) {
    if (err instanceof KineticError) return { code: err.code, issues: err.issues };
    throw err;
  }
  throw new Error("expected the spec to be rejected");
}

function issueFor(input: unknown, field: string): string {
  const { issues } = issuesOf(input);
  const hit = issues.find((i) => i.field === field);
  if (!hit) throw new Error(`no issue for ${field}; got ${JSON.stringify(issues)}`);
  return hit.message;
}

describe("defaults", () => {
  it("fills the documented defaults", () => {
    const spec = parseJobSpec({});
    expect(spec).toMatchObject({
      accelerator: JOB_SPEC_DEFAULTS.accelerator,
      image: JOB_SPEC_DEFAULTS.image,
      cpu: "1",
      memory: "4Gi",
      namespace: "default",
      workers: 1,
      qos: "Burstable",
      spot: false,
      env: {},
      secrets: [],
    });
    expect(spec).not.toHaveProperty("disk");
    expect(Object.values(spec)).not.toContain(undefined);
  });

  it("is idempotent: a parsed spec parses to itself", () => {
    const inputs = [
      {},
      { accelerator: "l4:2", nodeSelector: "a=b", env: [{ name: "X", value: 1 }], tmpfs: true },
      { accelerator: "v5e-16", workers: 2, queue: "q", reservation: "res-1" },
      { accelerator: "h100", resources: { requests: { cpu: "8", memory: "64Gi" } }, qos: "Guaranteed" },
      { gpus: 2, gpuVendor: "AMD" },
      { qos: "BestEffort" },
    ];
    for (const input of inputs) {
      const once = parseJobSpec(input);
      expect(parseJobSpec(once)).toEqual(once);
    }
  });
});

describe("unknown fields", () => {
  it("rejects a typo and suggests the field", () => {
    const msg = issueFor({ cpus: "2" }, "cpus");
    expect(msg).toBe('unknown field "cpus"; did you mean "cpu"?');
  });

  it("rejects unknown nested fields with a suggestion", () => {
    expect(
      issueFor(
        { tolerations: [{ key: "a", operator: "Exists", toleration_seconds: 1 }] },
        "tolerations.0.toleration_seconds",
      ),
    ).toContain('did you mean "tolerationSeconds"');
    expect(issueFor({ securityContext: { runAsUsr: 1 } }, "securityContext.runAsUsr")).toContain("runAsUser");
  });

  it("reports every problem at once, each with its field", () => {
    const { code, issues } = issuesOf({ memory: "4GB", port: 70000, namespace: "Team_A", workers: 0 });
    expect(code).toBe("invalid-argument");
    expect(issues.map((i) => i.field).sort()).toEqual(["memory", "namespace", "port", "workers"]);
  });
});

describe("accelerators", () => {
  it("normalises GPU strings and counts", () => {
    expect(parseJobSpec({ accelerator: "nvidia-l4:4" })).toMatchObject({ accelerator: "nvidia-l4", gpus: 4 });
    expect(parseJobSpec({ accelerator: "l4", gpus: 2 })).toMatchObject({ accelerator: "nvidia-l4", gpus: 2 });
    expect(parseJobSpec({ accelerator: "h100", gpu: 8 })).toMatchObject({ accelerator: "nvidia-h100-80gb", gpus: 8 });
    expect(parseJobSpec({ gpus: 2 })).toMatchObject({ accelerator: "gpu", gpus: 2 });
    expect(parseJobSpec({ accelerator: "v5e-16" })).toMatchObject({ accelerator: "tpu-v5litepod-16" });
    expect(parseJobSpec({ accelerator: "v5e-16" })).not.toHaveProperty("gpus");
  });

  it("gives unknown-accelerator with close matches", () => {
    const { code, issues } = issuesOf({ accelerator: "nvidia-l5" });
    expect(code).toBe("unknown-accelerator");
    expect(issues).toEqual([{ field: "accelerator", message: expect.stringContaining('did you mean "nvidia-l4"') }]);
  });

  it("rejects more GPUs than a node has, naming the max", () => {
    expect(issueFor({ accelerator: "nvidia-l4", gpus: 16 }, "gpus")).toContain("at most 8");
    expect(issueFor({ accelerator: "nvidia-l4:16" }, "accelerator")).toContain("at most 8");
  });

  it("rejects gpu and gpus together, gpus 0 on a GPU, and gpus on a TPU", () => {
    expect(issueFor({ accelerator: "l4", gpu: 1, gpus: 1 }, "gpu")).toContain('"gpu" and "gpus"');
    expect(issueFor({ accelerator: "l4", gpus: 0 }, "gpus")).toContain("at least 1");
    expect(issueFor({ accelerator: "tpu-v6e-8", gpus: 4 }, "gpus")).toContain("TPU");
  });

  it("rejects spot with a reservation, naming both", () => {
    expect(issueFor({ spot: true, reservation: "r1" }, "reservation")).toMatch(/"spot" and "reservation"/);
  });

  it("rejects node selectors that contradict the accelerator", () => {
    const sel = { "cloud.google.com/gke-tpu-topology": "2x2" };
    expect(
      issueFor({ accelerator: "v6e-8", nodeSelector: sel }, 'nodeSelector["cloud.google.com/gke-tpu-topology"]'),
    ).toContain("gke-tpu-topology=2x4");
  });
});

describe("resources: simple and advanced forms", () => {
  it("accepts the simple form; numbers for cpu", () => {
    expect(parseJobSpec({ cpu: 2, memory: "8Gi", disk: "20Gi" })).toMatchObject({
      cpu: "2",
      memory: "8Gi",
      disk: "20Gi",
    });
    expect(parseJobSpec({ cpu: "500m" }).cpu).toBe("500m");
  });

  it("accepts the advanced form without simple defaults", () => {
    const spec = parseJobSpec({ resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } } });
    expect(spec.resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } });
    expect(spec).not.toHaveProperty("cpu");
    expect(spec).not.toHaveProperty("memory");
  });

  it("takes the GPU count from the advanced form's limits", () => {
    const spec = parseJobSpec({ accelerator: "nvidia-l4", resources: { limits: { "nvidia.com/gpu": 2 } } });
    expect(spec.resources?.limits["nvidia.com/gpu"]).toBe("2");
  });

  it("rejects both forms, naming both fields", () => {
    const { issues } = issuesOf({ cpu: "1", memory: "1Gi", resources: { requests: { cpu: "1" } } });
    expect(issues.map((i) => i.field).sort()).toEqual(["cpu", "memory"]);
    for (const i of issues) expect(i.message).toMatch(/and "resources" cannot both be given/);
  });

  it("rejects accelerator resources in the advanced form that disagree with the accelerator", () => {
    expect(
      issueFor(
        { accelerator: "tpu-v6e-8", resources: { limits: { "google.com/tpu": "4" } } },
        'resources.limits["google.com/tpu"]',
      ),
    ).toContain("google.com/tpu: 8");
    expect(
      issueFor({ resources: { limits: { "google.com/tpu": "4" } } }, 'resources.limits["google.com/tpu"]'),
    ).toContain("accelerator");
  });

  it("checks quantities against the Kubernetes grammar", () => {
    expect(issueFor({ cpu: "two" }, "cpu")).toContain("not a Kubernetes quantity");
    expect(issueFor({ cpu: 0 }, "cpu")).toContain("greater than 0");
    expect(issueFor({ memory: "1.5" }, "memory")).toContain("needs a unit");
    expect(issueFor({ memory: "4GB" }, "memory")).toContain("not a Kubernetes quantity");
    expect(issueFor({ memory: "512m" }, "memory")).toContain("milli-bytes");
    expect(issueFor({ resources: { requests: { cpu: "-1" } } }, "resources.requests.cpu")).toContain("negative");
    expect(parseJobSpec({ memory: "1.5Gi", disk: "10G" })).toMatchObject({ memory: "1.5Gi", disk: "10G" });
  });

  it("qos: Guaranteed fills limits from requests; disagreement is an error; BestEffort drops requests", () => {
    expect(
      parseJobSpec({ qos: "guaranteed", resources: { requests: { cpu: "1", memory: "1Gi" } } }).resources?.limits,
    ).toEqual({
      cpu: "1",
      memory: "1Gi",
    });
    expect(
      issueFor(
        { qos: "Guaranteed", resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } } },
        "resources.limits.memory",
      ),
    ).toContain("must equal");
    const be = parseJobSpec({ qos: "BestEffort" });
    expect(be).not.toHaveProperty("cpu");
    expect(issueFor({ qos: "BestEffort", cpu: "1" }, "cpu")).toContain("BestEffort");
    expect(issueFor({ qos: "Premium" }, "qos")).toContain("Guaranteed, Burstable, BestEffort");
  });
});

describe("names, labels and limits Metaflow leaves unchecked", () => {
  it("checks label keys and values", () => {
    expect(issueFor({ labels: { "bad key": "v" } }, 'labels["bad key"]')).toContain("key name part");
    expect(issueFor({ labels: { team: "x".repeat(64) } }, "labels.team")).toContain("at most 63");
    expect(issueFor({ labels: { team: "-lead" } }, "labels.team")).toContain("starting and ending");
    expect(issueFor({ labels: { "Bad_Prefix.io/x": "v" } }, 'labels["Bad_Prefix.io/x"]')).toContain("prefix");
    expect(issueFor({ labels: { ["a".repeat(64)]: "v" } }, "labels." + "a".repeat(64))).toContain("at most 63");
    expect(issueFor({ labels: { "kinetic.dev/job-id": "x" } }, 'labels["kinetic.dev/job-id"]')).toContain("reserved");
    expect(issueFor({ labels: { "kueue.x-k8s.io/queue-name": "x" } }, 'labels["kueue.x-k8s.io/queue-name"]')).toContain(
      "queue and priority fields",
    );
  });

  it("checks annotation keys but allows any value", () => {
    expect(parseJobSpec({ annotations: { "example.com/note": "free text: anything goes" } }).annotations).toEqual({
      "example.com/note": "free text: anything goes",
    });
    expect(issueFor({ annotations: { "a/b/c": "v" } }, 'annotations["a/b/c"]')).toContain("at most one '/'");
  });

  it("checks namespace, image, env names, port and names of referenced objects", () => {
    expect(issueFor({ namespace: "Team_A" }, "namespace")).toContain("DNS-1123 label");
    expect(issueFor({ namespace: "a".repeat(64) }, "namespace")).toContain("at most 63");
    expect(issueFor({ image: "Python:3.12" }, "image")).toContain("image reference");
    expect(issueFor({ image: "python 3" }, "image")).toContain("without spaces");
    expect(parseJobSpec({ image: "us-docker.pkg.dev/p/r/img@sha256:" + "a".repeat(64) }).image).toContain("@sha256");
    expect(parseJobSpec({ image: "localhost:5000/team/img:v1.2" }).image).toBe("localhost:5000/team/img:v1.2");
    expect(issueFor({ env: { "1ABC": "x" } }, 'env["1ABC"]')).toContain("must not start with a digit");
    expect(issueFor({ env: { KINETIC_JOB_ID: "x" } }, "env.KINETIC_JOB_ID")).toContain("set by Kinetic");
    expect(issueFor({ port: 0 }, "port")).toBeTruthy();
    expect(issueFor({ port: 65536 }, "port")).toBeTruthy();
    expect(issueFor({ serviceAccount: "Trainer" }, "serviceAccount")).toContain("DNS-1123 subdomain");
    expect(issueFor({ imagePullSecrets: ["a b"] }, "imagePullSecrets.0")).toContain("DNS-1123 subdomain");
    expect(issueFor({ queue: "my_queue" }, "queue")).toContain("DNS-1123");
  });

  it("never echoes a secret value pasted into secrets or env", () => {
    const { issues } = issuesOf({ secrets: ["AWS_KEY=AKIAsupersecret"], env: { "bad name": "hunter2-secret" } });
    const text = JSON.stringify(issues);
    expect(text).not.toContain("AKIAsupersecret");
    expect(text).not.toContain("hunter2-secret");
    expect(issues.find((i) => i.field === "secrets.0")!.message).toContain("name of a Kubernetes Secret, not a value");
  });

  it("validates client-chosen ids as Firestore ids and label values", () => {
    expect(parseJobSpec({ id: "run-2026.01_a" }).id).toBe("run-2026.01_a");
    for (const bad of ["a/b", ".", "__x__", "-lead", "x".repeat(64), ""])
      expect(issueFor({ id: bad }, "id")).toBeTruthy();
  });
});

describe("other fields", () => {
  it("parses nodeSelector strings and rejects malformed ones", () => {
    expect(parseJobSpec({ nodeSelector: "a=b, c=d" }).nodeSelector).toEqual({ a: "b", c: "d" });
    expect(issueFor({ nodeSelector: "a=b,c" }, "nodeSelector")).toContain('"c" is not key=value');
    expect(issueFor({ nodeSelector: "a=b,a=c" }, "nodeSelector")).toContain("given twice");
  });

  it("accepts env as an object or a list and rejects duplicates", () => {
    expect(parseJobSpec({ env: { A: 1, B: true } }).env).toEqual({ A: "1", B: "true" });
    expect(parseJobSpec({ env: [{ name: "A", value: "x" }] }).env).toEqual({ A: "x" });
    expect(issueFor({ env: [{ name: "A" }, { name: "A" }] }, "env.1")).toContain("given twice");
  });

  it("checks tolerations", () => {
    expect(issueFor({ tolerations: [{ operator: "Equal", value: "x" }] }, "tolerations.0.operator")).toContain(
      "key is empty",
    );
    expect(
      issueFor({ tolerations: [{ key: "k", operator: "Exists", value: "v" }] }, "tolerations.0.value"),
    ).toBeTruthy();
    expect(
      issueFor(
        { tolerations: [{ key: "k", effect: "NoSchedule", tolerationSeconds: 5 }] },
        "tolerations.0.tolerationSeconds",
      ),
    ).toContain("NoExecute");
    expect(issueFor({ tolerations: [{ key: "k", effect: "Sometimes" }] }, "tolerations.0.effect")).toContain(
      "NoSchedule",
    );
  });

  it("defaults tmpfs size to half the memory and checks mount collisions", () => {
    expect(parseJobSpec({ memory: "8Gi", tmpfs: true }).tmpfs).toEqual({
      size: "4096Mi",
      path: "/kinetic_tmp",
      tempdir: true,
    });
    expect(parseJobSpec({ tmpfs: { enabled: false } })).not.toHaveProperty("tmpfs");
    expect(issueFor({ qos: "BestEffort", tmpfs: true }, "tmpfs.size")).toContain("required");
    expect(
      issueFor({ tmpfs: { path: "/data" }, persistentVolumeClaims: { ds: "/data" } }, "persistentVolumeClaims.ds"),
    ).toContain("already used");
    expect(issueFor({ persistentVolumeClaims: { ds: "data" } }, "persistentVolumeClaims.ds")).toContain("absolute");
    expect(issueFor({ persistentVolumeClaims: { DS: "/data" } }, "persistentVolumeClaims.DS")).toContain("claim name");
  });

  it("checks securityContext consistency", () => {
    expect(issueFor({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }, "securityContext.runAsUser")).toContain(
      "root",
    );
    expect(
      issueFor(
        { securityContext: { privileged: true, allowPrivilegeEscalation: false } },
        "securityContext.allowPrivilegeEscalation",
      ),
    ).toBeTruthy();
    expect(issueFor({ securityContext: { runAsUser: -1 } }, "securityContext.runAsUser")).toBeTruthy();
  });

  it("bounds workers, timeouts and ttl", () => {
    expect(issueFor({ workers: 1.5 }, "workers")).toContain("whole number");
    expect(issueFor({ workers: 5000 }, "workers")).toBeTruthy();
    expect(issueFor({ timeoutSeconds: 0 }, "timeoutSeconds")).toBeTruthy();
    expect(issueFor({ ttlSecondsAfterFinished: -1 }, "ttlSecondsAfterFinished")).toBeTruthy();
    expect(parseJobSpec({ timeoutSeconds: 3600, ttlSecondsAfterFinished: 0 })).toMatchObject({
      timeoutSeconds: 3600,
      ttlSecondsAfterFinished: 0,
    });
  });

  it("checks outputDir, command and reservation shapes", () => {
    expect(issueFor({ outputDir: "bucket/path" }, "outputDir")).toContain("gs://");
    expect(issueFor({ command: "python train.py" }, "command")).toBeTruthy();
    expect(issueFor({ command: [] }, "command")).toContain("empty");
    expect(issueFor({ reservation: "Res_1" }, "reservation.name")).toContain("reservation name");
    expect(parseJobSpec({ reservation: { name: "r1", project: "shared-proj" } }).reservation).toEqual({
      name: "r1",
      project: "shared-proj",
    });
  });

  it("rejects a non-object spec", () => {
    expect(issuesOf("accelerator: l4").issues[0]!.field).toBe("(spec)");
  });
});
