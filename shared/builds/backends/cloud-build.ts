/**
 * The production builder: Cloud Build. The context (kept files under
 * `context/`, the generated Dockerfile, the requirements) is uploaded as a
 * content-addressed .tar.gz, and one build is created whose config is
 * generated here: `docker build` with the key as label and tag, then a step
 * that lists what pip installed into the image's $BUILDER_OUTPUT (Cloud
 * Build returns it as results.buildStepOutputs). The build is only started
 * here; its status arrives on the cloud-builds topic (cloud-build-status.ts).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { imageLabels, type BuildPlan, type BuildStart, type ImageBuilder } from "../builder.ts";
import { fileEntries, writeLayerTar, type LayerEntry } from "../tar.ts";

/** Bump when the Dockerfile template or the steps change: part of every key this builder makes. */
export const CLOUD_BUILD_RECIPE = "cloud-build-docker@1";
export const DOCKER_BUILDER = "gcr.io/cloud-builders/docker";
/** The id of the step whose output lists the installed packages. */
export const RESOLVED_STEP = "resolved";

/** The subset of the Cloud Build `Build` resource Kinetic writes and reads. */
export interface CloudBuild {
  id?: string;
  status?: string;
  statusDetail?: string;
  source?: { storageSource: { bucket: string; object: string; generation?: string } };
  steps: Array<{ id: string; name: string; args: string[]; entrypoint?: string; waitFor?: string[]; env?: string[] }>;
  images?: string[];
  tags?: string[];
  timeout?: string;
  serviceAccount?: string;
  options?: { logging?: string; machineType?: string; pubsubTopic?: string; diskSizeGb?: string };
  results?: { images?: Array<{ name: string; digest: string }>; buildStepOutputs?: string[] };
  startTime?: string;
  finishTime?: string;
  failureInfo?: { type?: string; detail?: string };
}

/** The Cloud Build API calls the backend makes (`@google-cloud/cloudbuild` createBuild, or a fake). */
export interface CloudBuildApi {
  createBuild(request: { projectId: string; build: CloudBuild }): Promise<{ id: string }>;
}

/** Puts a source archive where Cloud Build reads it (a builds bucket). */
export interface SourceUploader {
  upload(data: Buffer, object: string): Promise<{ bucket: string; object: string; generation?: string }>;
}

export interface CloudBuildOptions {
  projectId: string;
  /** The build's own service account (email): never the default compute one. */
  serviceAccount: string;
  timeoutSeconds?: number;
  machineType?: string;
  /** Where status changes are published (default: the project's cloud-builds topic). */
  pubsubTopic?: string;
}

/** The Dockerfile the build runs: requirements first, so a code change keeps the pip layer. */
export function dockerfile(plan: BuildPlan, recipe = CLOUD_BUILD_RECIPE): string {
  const labels = Object.entries(imageLabels(plan, recipe))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" \\\n      ");
  return [
    `FROM ${plan.baseImage}`,
    "WORKDIR /workspace",
    ...(plan.requirements?.trim()
      ? [
          "COPY requirements.txt /opt/kinetic/requirements.txt",
          "RUN python3 -m pip install --no-cache-dir --disable-pip-version-check -r /opt/kinetic/requirements.txt",
        ]
      : []),
    "COPY context/ /workspace/",
    `ENV KINETIC_BUILD_KEY=${plan.key} KINETIC_ACCELERATOR=${plan.accelerator}`,
    `LABEL ${labels}`,
    "",
  ].join("\n");
}

/** The Build resource for `plan`, its source at `source`. */
export function cloudBuildConfig(
  plan: BuildPlan,
  options: CloudBuildOptions,
  source: { bucket: string; object: string; generation?: string },
): CloudBuild {
  const image = `${plan.repository}:${plan.key}`;
  const steps: CloudBuild["steps"] = [
    {
      id: "build",
      name: DOCKER_BUILDER,
      args: ["build", "--network", "cloudbuild", "--file", "Dockerfile.kinetic", "--tag", image, "."],
    },
  ];
  if (plan.requirements?.trim()) {
    // $$ escapes Cloud Build's substitution: bash sees $BUILDER_OUTPUT. The output is capped at 4 KB by Cloud Build.
    steps.push({
      id: RESOLVED_STEP,
      name: DOCKER_BUILDER,
      entrypoint: "bash",
      args: [
        "-c",
        `docker run --rm --entrypoint python3 ${image} -m pip list --format=freeze --disable-pip-version-check | head -c 4000 > $$BUILDER_OUTPUT/output`,
      ],
      waitFor: ["build"],
    });
  }
  return {
    source: { storageSource: source },
    steps,
    images: [image],
    tags: ["kinetic", ...(plan.buildId ? [`kinetic-build-${plan.buildId}`] : [])],
    timeout: `${options.timeoutSeconds ?? 1200}s`,
    serviceAccount: `projects/${options.projectId}/serviceAccounts/${options.serviceAccount}`,
    options: {
      // A user-managed service account needs an explicit logging choice.
      logging: "CLOUD_LOGGING_ONLY",
      ...(options.machineType ? { machineType: options.machineType } : {}),
      ...(options.pubsubTopic ? { pubsubTopic: options.pubsubTopic } : {}),
    },
  };
}

export class CloudBuildBuilder implements ImageBuilder {
  readonly recipe = CLOUD_BUILD_RECIPE;
  private readonly api: CloudBuildApi;
  private readonly uploader: SourceUploader;
  private readonly options: CloudBuildOptions;

  constructor(api: CloudBuildApi, uploader: SourceUploader, options: CloudBuildOptions) {
    this.api = api;
    this.uploader = uploader;
    this.options = options;
  }

  async start(plan: BuildPlan, log: (line: string) => void): Promise<BuildStart> {
    // The same key is the same archive: a retried start overwrites identical bytes.
    const source = await this.uploader.upload(
      await sourceArchive(plan, this.recipe),
      `kinetic-builds/${plan.key}.tar.gz`,
    );
    log(`uploaded the context to gs://${source.bucket}/${source.object}`);
    const { id } = await this.api.createBuild({
      projectId: this.options.projectId,
      build: cloudBuildConfig(plan, this.options, source),
    });
    log(`Cloud Build ${id} created`);
    return { status: "started", externalId: id };
  }
}

/** The build source as a deterministic .tar.gz: Dockerfile.kinetic, requirements.txt and the files under context/. */
export async function sourceArchive(plan: BuildPlan, recipe: string): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), "kinetic-source-"));
  try {
    const tar = join(work, "source.tar");
    const extra: LayerEntry[] = [
      { path: "Dockerfile.kinetic", kind: "bytes", mode: 0o644, data: Buffer.from(dockerfile(plan, recipe)) },
      ...(plan.requirements?.trim()
        ? [{ path: "requirements.txt", kind: "bytes" as const, mode: 0o644, data: Buffer.from(plan.requirements) }]
        : []),
    ];
    const context = fileEntries(plan.context.files).map((e) => ({ ...e, path: `context/${e.path}` }));
    await writeLayerTar(tar, [...extra, ...context]);
    return gzipSync(await readFile(tar));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes an upload to a local folder (local mode and tests stand-in for the builds bucket). */
export function folderUploader(dir: string, bucket = "local-builds"): SourceUploader {
  return {
    async upload(data, object) {
      await writeFile(join(dir, object.replaceAll("/", "__")), data);
      return { bucket, object };
    },
  };
}
