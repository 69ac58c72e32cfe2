/**
 * The builds deps of a function instance, from the deployment's settings:
 * which builder (its recipe is part of every key, so every function of a
 * deployment must agree), where images go, and the registry client. Cloud
 * Build's and the registry's credentials come from `token` (the composition
 * root's Application Default Credentials); crane reads a Docker config.
 */
import { z } from "zod";
import type { EventBus } from "../bus/event-bus.ts";
import type { Clock } from "../clock.ts";
import { KineticError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { OciRegistryClient, type ImageRegistry } from "../registry/oci-client.ts";
import { RUNTIME_SETTINGS as S } from "../runtime-settings.ts";
import type { BuildStore } from "../store/build-store.ts";
import type { ImageBuilder } from "./builder.ts";
import { CloudBuildBuilder } from "./backends/cloud-build.ts";
import { CraneBuilder } from "./backends/crane.ts";
import { gcsUploader, googleRegistryCredentials, restCloudBuildApi, type AccessToken } from "./backends/google-rest.ts";
import type { ImageDeps } from "./job-image.ts";

const BuildEnv = z.object({
  KINETIC_BUILDER: S.KINETIC_BUILDER.schema,
  KINETIC_BUILD_REPOSITORY: S.KINETIC_BUILD_REPOSITORY.schema,
  KINETIC_BUILD_SOURCE_BUCKET: S.KINETIC_BUILD_SOURCE_BUCKET.schema,
  KINETIC_BUILD_SERVICE_ACCOUNT: S.KINETIC_BUILD_SERVICE_ACCOUNT.schema,
  KINETIC_CRANE_PATH: S.KINETIC_CRANE_PATH.schema,
  KINETIC_TOPIC_CLOUD_BUILDS: S.KINETIC_TOPIC_CLOUD_BUILDS.schema,
});

export interface BuildSettings {
  builder: "none" | "crane" | "cloud-build";
  repository?: string | undefined;
  sourceBucket?: string | undefined;
  serviceAccount?: string | undefined;
  cranePath?: string | undefined;
  cloudBuildsTopic: string;
}

export function loadBuildSettings(env: NodeJS.ProcessEnv = process.env): BuildSettings {
  const r = BuildEnv.safeParse(env);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
    throw new KineticError(
      "invalid-argument",
      `invalid build configuration: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
      { issues },
    );
  }
  const e = r.data;
  return {
    builder: e.KINETIC_BUILDER,
    repository: e.KINETIC_BUILD_REPOSITORY,
    sourceBucket: e.KINETIC_BUILD_SOURCE_BUCKET,
    serviceAccount: e.KINETIC_BUILD_SERVICE_ACCOUNT,
    cranePath: e.KINETIC_CRANE_PATH,
    cloudBuildsTopic: e.KINETIC_TOPIC_CLOUD_BUILDS,
  };
}

export interface ImageDepsParts {
  builds: BuildStore;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  projectId?: string | undefined;
  /** An OAuth access token (Cloud Build, Cloud Storage, Artifact Registry); required for cloud-build. */
  token?: AccessToken | undefined;
  /** A registry client of the caller's (tests, local mode); default: the OCI client with `token`'s credentials. */
  registry?: ImageRegistry;
}

/** The builds deps, or undefined when the deployment builds no images (KINETIC_BUILDER=none). */
export function createImageDeps(settings: BuildSettings, parts: ImageDepsParts): ImageDeps | undefined {
  if (settings.builder === "none") return undefined;
  const need = (value: string | undefined, name: string): string => {
    if (!value) throw new KineticError("invalid-argument", `KINETIC_BUILDER=${settings.builder} needs ${name}`);
    return value;
  };
  const token = parts.token;
  let builder: ImageBuilder;
  if (settings.builder === "crane") {
    builder = new CraneBuilder({ crane: need(settings.cranePath, "KINETIC_CRANE_PATH") });
  } else {
    const projectId = need(parts.projectId, "KINETIC_PROJECT");
    if (!token) throw new KineticError("invalid-argument", "KINETIC_BUILDER=cloud-build needs Google credentials");
    builder = new CloudBuildBuilder(
      restCloudBuildApi({ token }),
      gcsUploader({ token, bucket: need(settings.sourceBucket, "KINETIC_BUILD_SOURCE_BUCKET") }),
      {
        projectId,
        serviceAccount: need(settings.serviceAccount, "KINETIC_BUILD_SERVICE_ACCOUNT"),
        pubsubTopic: `projects/${projectId}/topics/${settings.cloudBuildsTopic}`,
      },
    );
  }
  return {
    builds: parts.builds,
    registry: parts.registry ?? new OciRegistryClient(token ? { credentials: googleRegistryCredentials(token) } : {}),
    builder,
    clock: parts.clock,
    log: parts.log,
    bus: parts.bus,
    defaultRepository: settings.repository,
    // crane builds where its user runs Kinetic (local mode): their directories are theirs to build.
    localContexts: settings.builder === "crane",
  };
}
