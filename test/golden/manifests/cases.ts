/**
 * The golden-manifest matrix: one job spec per shape Kinetic renders. The
 * unit test test/unit/golden-manifests.test.ts renders each into <name>.yaml
 * beside this file (UPDATE_GOLDEN=1 rewrites them); the integration test
 * test/integration/manifests-dry-run.test.ts sends every YAML to a real API
 * server as a server-side dry run.
 */
import type { JobSpecInput } from "../../../shared/schemas/job-spec.ts";
import type { RenderOptions } from "../../../shared/manifests/render.ts";

export interface GoldenCase {
  name: string;
  jobId: string;
  spec: JobSpecInput;
  opts?: RenderOptions;
}

export const GOLDEN_OPTIONS: RenderOptions = {
  outputDirBase: "gs://kinetic-test-outputs/jobs",
  defaultTtlSeconds: 86_400,
};

const TORCH = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime";
const JAX = "us-docker.pkg.dev/cloud-tpu-images/jax-ai-image/tpu:jax0.5.2-rev1";

export const GOLDEN_CASES: GoldenCase[] = [
  { name: "cpu-only", jobId: "cpu-only", spec: { command: ["python", "-c", "print('hello')"] } },
  { name: "nvidia-l4-x1", jobId: "l4-one", spec: { accelerator: "nvidia-l4", image: TORCH, command: ["python", "train.py"] } },
  {
    name: "nvidia-l4-x8",
    jobId: "l4-eight",
    spec: { accelerator: "nvidia-l4:8", image: TORCH, cpu: "90", memory: "350Gi", command: ["torchrun", "train.py"] },
  },
  {
    name: "nvidia-h100-x8",
    jobId: "h100-eight",
    spec: { accelerator: "nvidia-h100-80gb", gpus: 8, image: TORCH, cpu: 200, memory: "1500Gi", sharedMemory: "64Gi" },
  },
  {
    name: "tpu-v6e-8",
    jobId: "v6e-single-host",
    spec: { accelerator: "tpu-v6e-8", image: JAX, command: ["python3", "train.py"], cpu: "100", memory: "600Gi" },
  },
  {
    name: "tpu-v5litepod-16",
    jobId: "v5e-four-hosts",
    spec: { accelerator: "tpu-v5litepod-16", image: JAX, command: ["python3", "train.py"], port: 8476 },
  },
  {
    name: "gpu-workers-2",
    jobId: "ddp-two-nodes",
    spec: {
      accelerator: "nvidia-l4:2",
      workers: 2,
      port: 29500,
      image: TORCH,
      command: ["torchrun"],
      args: ["--nnodes=2", "--nproc-per-node=2", "train.py"],
    },
  },
  { name: "spot", jobId: "spot-t4", spec: { accelerator: "t4", spot: true, image: TORCH } },
  {
    name: "queue-suspend",
    jobId: "queued-v6e-4",
    spec: { accelerator: "v6e-4", queue: "kinetic", priority: "high", image: JAX, timeoutSeconds: 7200 },
  },
  {
    name: "queue-multislice",
    jobId: "queued-multislice",
    spec: { accelerator: "v5e-16", workers: 2, queue: "kinetic", image: JAX, timeoutSeconds: 7200 },
  },
  {
    name: "mounts-and-security",
    jobId: "mounts-and-security",
    spec: {
      image: "ghcr.io/acme/trainer:1.4.0",
      imagePullPolicy: "Always",
      imagePullSecrets: ["ghcr-pull"],
      serviceAccount: "trainer",
      namespace: "ml-team",
      secrets: ["wandb-api", "hf-token"],
      env: [
        { name: "EPOCHS", value: "3" },
        { name: "LOG_LEVEL", value: "debug" },
      ],
      persistentVolumeClaims: { datasets: "/data", checkpoints: "/ckpt" },
      sharedMemory: "2Gi",
      tmpfs: { size: "1Gi" },
      securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false },
      labels: { team: "research", "app.kubernetes.io/part-of": "llm-finetune" },
      annotations: { "example.com/owner": "alice@example.com" },
      nodeSelector: "cloud.google.com/machine-family=n2, disktype=ssd",
      computePool: "cpu-pool",
      tolerations: [{ key: "dedicated", operator: "Equal", value: "ml", effect: "NoSchedule" }],
    },
  },
  {
    name: "qos-guaranteed",
    jobId: "guaranteed",
    spec: { qos: "Guaranteed", cpu: "4", memory: "16Gi", disk: "50Gi", command: ["python", "etl.py"] },
  },
  {
    name: "timeout-ttl",
    jobId: "timeout-ttl",
    spec: { timeoutSeconds: 3600, ttlSecondsAfterFinished: 600, outputDir: "gs://my-bucket/runs/timeout-ttl" },
    opts: { ...GOLDEN_OPTIONS, now: new Date("2026-01-02T03:04:05Z") },
  },
  {
    name: "advanced-resources",
    jobId: "advanced-resources",
    spec: {
      accelerator: "h100",
      resources: { requests: { cpu: "8", memory: "64Gi" }, limits: { memory: "64Gi" } },
      image: TORCH,
    },
  },
  {
    name: "reservation",
    jobId: "reserved-v5p",
    spec: { accelerator: "tpu-v5p-8", reservation: { name: "v5p-res", project: "shared-capacity" }, image: JAX },
  },
  {
    name: "long-id-priority",
    jobId: "Nightly_Eval.Run-2026-01-01T00-00-00Z-with-a-rather-long-suffix",
    spec: { priority: "low-priority", command: ["python", "eval.py"] },
  },
  {
    // A resumed spot job (attempt 2) with a job-owned data volume, a shared HF cache, downloads and a FUSE mount.
    name: "storage-resume",
    jobId: "llm-finetune",
    spec: {
      accelerator: "nvidia-l4",
      spot: true,
      image: TORCH,
      command: ["python", "finetune.py"],
      secrets: ["hf-token"],
      outputMount: "/outputs",
      data: { size: "200Gi", storageClass: "premium-rwo", download: ["gs://my-datasets/alpaca/"] },
      hfCache: { claim: "hf-cache-shared", size: "500Gi", download: ["hf://meta-llama/Llama-3.1-8B"] },
      maxPreemptions: 5,
    },
    opts: { ...GOLDEN_OPTIONS, attempt: 2 },
  },
];
