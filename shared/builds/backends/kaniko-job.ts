/**
 * The in-cluster builder (Kaptain's model): a Kubernetes Job running Kaniko's
 * executor, which builds the same generated Dockerfile as Cloud Build from
 * the same uploaded source archive, without a Docker daemon. Its resources
 * come from Kaptain's four settings, DOCKER_BUILDER_CPU_LIMIT,
 * DOCKER_BUILDER_MEM_LIMIT, DOCKER_BUILDER_CPU_REQUEST and
 * DOCKER_BUILDER_MEM_REQUEST. Kaniko writes the pushed digest to the
 * container's termination message (--digest-file=/dev/termination-log), so the
 * pod status alone tells what was built. The Job is only started here; the
 * status reader that moves the record is not written yet.
 */
import { KineticError } from "../../errors.ts";
import { byteQuantityError, cpuQuantityError } from "../../schemas/quantities.ts";
import type { Workload } from "../../cluster/types.ts";
import { imageLabels, type BuildPlan, type BuildStart, type ImageBuilder } from "../builder.ts";
import { sourceArchive, type SourceUploader } from "./cloud-build.ts";

/** Bump when the Job or the Dockerfile changes: part of every key this builder makes. */
export const KANIKO_RECIPE = "kaniko-job@1";
/** The executor image (its current tag is unverified; set `image` to pin one you mirror). */
export const KANIKO_IMAGE = "gcr.io/kaniko-project/executor:latest";

export interface BuilderResources {
  cpuRequest: string;
  cpuLimit: string;
  memRequest: string;
  memLimit: string;
}

export const DEFAULT_BUILDER_RESOURCES: BuilderResources = {
  cpuRequest: "1",
  cpuLimit: "2",
  memRequest: "2Gi",
  memLimit: "4Gi",
};

/** Resources from DOCKER_BUILDER_* (Kaptain's names), defaults for the unset ones; a bad quantity is refused. */
export function builderResourcesFromEnv(env: Record<string, string | undefined>): BuilderResources {
  const pick = (name: string, fallback: string, check: (v: string) => string | undefined) => {
    const v = env[name]?.trim() || fallback;
    const err = check(v);
    if (err) throw new KineticError("invalid-argument", `${name}=${v}: ${err}`);
    return v;
  };
  const d = DEFAULT_BUILDER_RESOURCES;
  return {
    cpuRequest: pick("DOCKER_BUILDER_CPU_REQUEST", d.cpuRequest, cpuQuantityError),
    cpuLimit: pick("DOCKER_BUILDER_CPU_LIMIT", d.cpuLimit, cpuQuantityError),
    memRequest: pick("DOCKER_BUILDER_MEM_REQUEST", d.memRequest, byteQuantityError),
    memLimit: pick("DOCKER_BUILDER_MEM_LIMIT", d.memLimit, byteQuantityError),
  };
}

export interface KanikoOptions {
  namespace: string;
  resources: BuilderResources;
  /** A Kubernetes service account bound (Workload Identity) to one that may read the bucket and push the image. */
  serviceAccountName?: string;
  image?: string;
  /** Layer cache repository (Kaniko's --cache-repo); no cache when absent. */
  cacheRepo?: string;
  deadlineSeconds?: number;
}

/** The builder Job for `plan`, its source at gs://bucket/object. */
export function kanikoJob(
  plan: BuildPlan,
  options: KanikoOptions,
  source: { bucket: string; object: string },
): Workload {
  const image = `${plan.repository}:${plan.key}`;
  // Job names are DNS labels (63): 40 hex digits of the key are plenty to tell builds apart.
  const attempt = plan.buildId ? /-(\d+)$/.exec(plan.buildId)?.[1] : undefined;
  const name = `kinetic-build-${plan.key.slice(0, 40)}${attempt ? `-${attempt}` : ""}`;
  const r = options.resources;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: options.namespace,
      labels: { "app.kubernetes.io/managed-by": "kinetic", "kinetic.dev/build": plan.key.slice(0, 40) },
      annotations: {
        "kinetic.dev/build-key": plan.key,
        ...(plan.buildId ? { "kinetic.dev/build-id": plan.buildId } : {}),
      },
    },
    spec: {
      // One try: a failed build is recorded FAILED with its log; a retry is a new attempt, asked for.
      backoffLimit: 0,
      activeDeadlineSeconds: options.deadlineSeconds ?? 1800,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { "app.kubernetes.io/managed-by": "kinetic", "kinetic.dev/build": plan.key.slice(0, 40) } },
        spec: {
          restartPolicy: "Never",
          ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
          containers: [
            {
              name: "kaniko",
              image: options.image ?? KANIKO_IMAGE,
              args: [
                `--context=gs://${source.bucket}/${source.object}`,
                "--dockerfile=Dockerfile.kinetic",
                `--destination=${image}`,
                "--digest-file=/dev/termination-log",
                "--reproducible",
                ...Object.entries(imageLabels(plan, KANIKO_RECIPE)).map(([k, v]) => `--label=${k}=${v}`),
                ...(options.cacheRepo ? ["--cache=true", `--cache-repo=${options.cacheRepo}`] : []),
              ],
              resources: {
                requests: { cpu: r.cpuRequest, memory: r.memRequest },
                limits: { cpu: r.cpuLimit, memory: r.memLimit },
              },
              terminationMessagePolicy: "FallbackToLogsOnError",
            },
          ],
        },
      },
    },
  };
}

/** Submits a workload (the ClusterClient's submit, or a test's). */
export type SubmitWorkload = (w: Workload) => Promise<{ created: boolean }>;

export class KanikoJobBuilder implements ImageBuilder {
  readonly recipe = KANIKO_RECIPE;
  private readonly uploader: SourceUploader;
  private readonly submit: SubmitWorkload;
  private readonly options: KanikoOptions;

  constructor(uploader: SourceUploader, submit: SubmitWorkload, options: KanikoOptions) {
    this.uploader = uploader;
    this.submit = submit;
    this.options = options;
  }

  async start(plan: BuildPlan, log: (line: string) => void): Promise<BuildStart> {
    const source = await this.uploader.upload(
      await sourceArchive(plan, this.recipe),
      `kinetic-builds/${plan.key}.tar.gz`,
    );
    const job = kanikoJob(plan, this.options, source);
    // A Job that exists already (a redelivered start) is the same build: 409 is success.
    await this.submit(job);
    log(`builder Job ${job.metadata.namespace}/${job.metadata.name} created`);
    return { status: "started", externalId: `${job.metadata.namespace}/${job.metadata.name}` };
  }
}
