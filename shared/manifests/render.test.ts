import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { labelValueError, qualifiedNameError } from "../schemas/k8s-names.ts";
import { parseJobSpec, type JobSpecInput } from "../schemas/job-spec.ts";
import { MIN_NATIVE_TTL_SECONDS, renderWorkload, workloadRef } from "./render.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(spec: JobSpecInput, jobId = "job-1", opts = {}): Obj {
  return renderWorkload(jobId, parseJobSpec(spec), opts) as unknown as Obj;
}

/** The Job spec (for a JobSet: the replicated Job's) and its pod spec. */
function parts(w: Obj): { job: Obj; pod: Obj; podMeta: Obj; container: Obj } {
  const job = w.kind === "Job" ? w.spec : w.spec.replicatedJobs[0].template.spec;
  return { job, pod: job.template.spec, podMeta: job.template.metadata, container: job.template.spec.containers[0] };
}

function env(container: Obj): Record<string, unknown> {
  return Object.fromEntries(container.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
}

describe("Job or JobSet", () => {
  it("single host, one worker → batch/v1 Job, Indexed with one completion", () => {
    const w = render({ accelerator: "tpu-v6e-8" });
    expect(w.apiVersion).toBe("batch/v1");
    expect(w.kind).toBe("Job");
    expect(w.spec).toMatchObject({ completionMode: "Indexed", completions: 1, parallelism: 1, backoffLimit: 0 });
    expect(workloadRef("job-1", parseJobSpec({ accelerator: "tpu-v6e-8" }))).toEqual({
      kind: "Job",
      name: "job-1",
      namespace: "default",
    });
  });

  it("multi-host TPU → JobSet with one pod per host", () => {
    const w = render({ accelerator: "tpu-v5litepod-16" });
    expect(w.apiVersion).toBe("jobset.x-k8s.io/v1alpha2");
    expect(w.kind).toBe("JobSet");
    const rj = w.spec.replicatedJobs[0];
    expect(rj).toMatchObject({ name: "worker", replicas: 1 });
    expect(rj.template.spec).toMatchObject({
      completionMode: "Indexed",
      parallelism: 4,
      completions: 4,
      backoffLimit: 0,
    });
    expect(parts(w).container.resources.limits).toEqual({ "google.com/tpu": "4" });
    expect(w.spec.failurePolicy).toEqual({
      maxRestarts: 0,
      rules: [
        { name: "disrupted", action: "RestartJobSet", onJobFailureReasons: ["BackoffLimitExceeded"] },
        { name: "failed", action: "FailJobSet" },
      ],
    });
    expect(w.metadata.annotations["alpha.jobset.sigs.k8s.io/exclusive-topology"]).toBe("cloud.google.com/gke-nodepool");
  });

  it("workers > 1 → JobSet with one replica per worker", () => {
    const w = render({ accelerator: "nvidia-l4:2", workers: 3 });
    expect(w.kind).toBe("JobSet");
    expect(w.spec.replicatedJobs[0]).toMatchObject({
      replicas: 3,
      template: { spec: { parallelism: 1, completions: 1 } },
    });
    expect(w.metadata.annotations?.["alpha.jobset.sigs.k8s.io/exclusive-topology"]).toBeUndefined();
  });
});

describe("lifecycle fields", () => {
  it("puts the deadline on the Job, never on the pod; ttl from the spec or the default", () => {
    const job = render({ timeoutSeconds: 3600 }, "j", { defaultTtlSeconds: 1000 });
    expect(job.spec.activeDeadlineSeconds).toBe(3600);
    expect(job.spec.ttlSecondsAfterFinished).toBe(1000);
    expect(job.spec.template.spec.activeDeadlineSeconds).toBeUndefined();
    expect(
      render({ ttlSecondsAfterFinished: 5000 }, "j", { defaultTtlSeconds: 1000 }).spec.ttlSecondsAfterFinished,
    ).toBe(5000);
    expect(render({}).spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  it("floors the native TTL so the outcome is recorded before Kubernetes deletes the workload", () => {
    expect(render({ ttlSecondsAfterFinished: 5 }).spec.ttlSecondsAfterFinished).toBe(MIN_NATIVE_TTL_SECONDS);
    expect(render({ ttlSecondsAfterFinished: 0, forceCleanup: true }).spec.ttlSecondsAfterFinished).toBe(
      MIN_NATIVE_TTL_SECONDS,
    );
  });

  it("JobSet: deadline on each child Job, ttl on the JobSet", () => {
    const w = render({ accelerator: "v5e-16", timeoutSeconds: 60, ttlSecondsAfterFinished: 7000 });
    const { job, pod } = parts(w);
    expect(job.activeDeadlineSeconds).toBe(60);
    expect(pod.activeDeadlineSeconds).toBeUndefined();
    expect(w.spec.ttlSecondsAfterFinished).toBe(7000);
    expect(job.ttlSecondsAfterFinished).toBeUndefined();
  });

  it("fails on any non-zero exit; a disruption fails it as BackoffLimitExceeded (Kinetic resumes); never restarts the pod", () => {
    const { job, pod } = parts(render({}));
    expect(pod.restartPolicy).toBe("Never");
    expect(job.backoffLimit).toBe(0);
    expect(job.podFailurePolicy.rules).toEqual([
      { action: "Count", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      { action: "FailJob", onExitCodes: { operator: "NotIn", values: [0] } },
    ]);
  });
});

describe("queueing and priority", () => {
  it("queue → queue-name label on the object and suspend: true", () => {
    for (const accelerator of ["cpu", "v5e-16"]) {
      const w = render({ accelerator, queue: "team-q", priority: "high" });
      expect(w.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("team-q");
      expect(w.metadata.labels["kueue.x-k8s.io/priority-class"]).toBe("high");
      expect(w.spec.suspend).toBe(true);
      expect(parts(w).pod.priorityClassName).toBeUndefined();
    }
  });

  it("no queue → not suspended; priority is the pod's priorityClassName", () => {
    const w = render({ priority: "high" });
    expect(w.spec.suspend).toBeUndefined();
    expect(w.metadata.labels["kueue.x-k8s.io/queue-name"]).toBeUndefined();
    expect(w.spec.template.spec.priorityClassName).toBe("high");
  });
});

describe("labels", () => {
  it("carries Kinetic labels on the object and the pod template, all valid", () => {
    const w = render({ accelerator: "nvidia-h100-80gb", labels: { team: "ml" } }, "Run_42.final");
    for (const labels of [w.metadata.labels, parts(w).podMeta.labels]) {
      expect(labels).toMatchObject({
        team: "ml",
        "kinetic.dev/job-id": "Run_42.final",
        "kinetic.dev/managed-by": "kinetic",
        "kinetic.dev/accelerator": "nvidia-h100-80gb",
      });
      for (const [k, v] of Object.entries(labels as Record<string, string>)) {
        expect(qualifiedNameError(k)).toBeUndefined();
        expect(labelValueError(v)).toBeUndefined();
      }
    }
  });

  it("sanitises a job id that is not a label value and keeps the full id in an annotation", () => {
    const id = "weird id/with:chars-" + "x".repeat(80);
    const w = render({}, id);
    expect(labelValueError(w.metadata.labels["kinetic.dev/job-id"])).toBeUndefined();
    expect(w.metadata.annotations["kinetic.dev/job-id"]).toBe(id);
    expect(env(w.spec.template.spec.containers[0]).KINETIC_JOB_ID).toBe(id);
  });
});

describe("injected environment", () => {
  it("single pod: worker index from the completion index, coordinator localhost", () => {
    const e = env(render({ port: 1234 }, "j1", { outputDirBase: "gs://b/jobs/" }).spec.template.spec.containers[0]);
    expect(e).toMatchObject({
      KINETIC_JOB_ID: "j1",
      KINETIC_OUTPUT_DIR: "gs://b/jobs/default/j1/",
      KINETIC_CHECKPOINT_DIR: "gs://b/jobs/default/j1/checkpoints/",
      KINETIC_ATTEMPT: "1",
      KINETIC_WORKER_INDEX: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
      KINETIC_WORKER_COUNT: "1",
      KINETIC_COORDINATOR_ADDRESS: "localhost",
      KINETIC_COORDINATOR_PORT: "1234",
    });
  });

  it("JobSet: worker index from the job-index annotation, coordinator FQDN of worker 0 host 0", () => {
    const w = render({ accelerator: "l4", workers: 2, namespace: "ml" }, "ddp");
    const e = env(parts(w).container);
    expect(e.KINETIC_WORKER_INDEX).toBe("metadata.annotations['jobset.sigs.k8s.io/job-index']");
    expect(e.KINETIC_HOST_INDEX).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(e.KINETIC_WORKER_COUNT).toBe("2");
    expect(e.KINETIC_COORDINATOR_ADDRESS).toBe("ddp-worker-0-0.ddp.ml.svc.cluster.local");
    expect(e).not.toHaveProperty("KINETIC_COORDINATOR_PORT");
  });

  it("spec outputDir wins over the base; user env follows Kinetic's", () => {
    const c = render({ outputDir: "gs://xyz/y", env: { A: "1" } }, "j", { outputDirBase: "gs://b" }).spec.template.spec
      .containers[0];
    expect(env(c).KINETIC_OUTPUT_DIR).toBe("gs://xyz/y/default/j/");
    expect(c.env.at(-1)).toEqual({ name: "A", value: "1" });
  });
});

describe("resources, scheduling and mounts", () => {
  it("Burstable: requests only; accelerators as limits", () => {
    const c = parts(render({ accelerator: "nvidia-l4:4", cpu: "8", memory: "32Gi" })).container;
    expect(c.resources).toEqual({ requests: { cpu: "8", memory: "32Gi" }, limits: { "nvidia.com/gpu": "4" } });
  });

  it("Guaranteed: limits equal requests", () => {
    const c = parts(render({ qos: "Guaranteed", cpu: "2", memory: "8Gi", disk: "10Gi" })).container;
    expect(c.resources.limits).toEqual(c.resources.requests);
    expect(c.resources.requests).toEqual({ cpu: "2", memory: "8Gi", "ephemeral-storage": "10Gi" });
  });

  it("BestEffort: no cpu/memory at all", () => {
    expect(parts(render({ qos: "BestEffort" })).container.resources).toBeUndefined();
  });

  it("selects and tolerates accelerator, spot and user capacity", () => {
    const { pod } = parts(
      render({
        accelerator: "nvidia-l4",
        spot: true,
        computePool: "l4-pool",
        nodeSelector: { disk: "ssd" },
        tolerations: [{ key: "team", operator: "Exists" }],
      }),
    );
    expect(pod.nodeSelector).toEqual({
      "cloud.google.com/gke-accelerator": "nvidia-l4",
      "cloud.google.com/gke-nodepool": "l4-pool",
      "cloud.google.com/gke-spot": "true",
      disk: "ssd",
    });
    expect(pod.tolerations).toEqual([
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
      { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" },
      { key: "team", operator: "Exists" },
    ]);
  });

  it("mounts shm, tmpfs and PVCs; secrets via envFrom; TMPDIR to the tmpfs", () => {
    const { pod, container } = parts(
      render({
        sharedMemory: "1Gi",
        tmpfs: { size: "2Gi", path: "/scratch" },
        persistentVolumeClaims: { ds: "/data" },
        secrets: ["s1"],
      }),
    );
    expect(pod.volumes).toEqual([
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
      { name: "kinetic-tmpfs", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
      { name: "pvc-0", persistentVolumeClaim: { claimName: "ds" } },
    ]);
    expect(container.volumeMounts.map((m: Obj) => m.mountPath)).toEqual(["/dev/shm", "/scratch", "/data"]);
    expect(container.envFrom).toEqual([{ secretRef: { name: "s1" } }]);
    expect(env(container).TMPDIR).toBe("/scratch");
  });
});

describe("determinism and input checks", () => {
  it("renders identical objects for identical input; now only via opts", () => {
    const spec = parseJobSpec({ accelerator: "v5e-16", workers: 2 });
    expect(JSON.stringify(renderWorkload("a", spec))).toBe(JSON.stringify(renderWorkload("a", spec)));
    const stamped = renderWorkload("a", spec, { now: new Date("2026-01-01T00:00:00Z") });
    expect(stamped.metadata.annotations?.["kinetic.dev/submitted-at"]).toBe("2026-01-01T00:00:00.000Z");
  });

  it("refuses to render a label Kubernetes would reject (a hand-built spec that skipped parsing)", () => {
    const bad = { ...parseJobSpec({}), labels: { team: "-bad-" } };
    expect(() => renderWorkload("a", bad)).toThrow(KineticError);
    expect(() => renderWorkload("a", bad)).toThrow(/rendered label team on .* is invalid/);
  });
});
