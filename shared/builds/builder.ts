/**
 * The builder port: turns a build plan (key, base image by digest, context
 * files, requirements) into an image tagged with the key in the target
 * repository. Backends: `crane` (daemonless, local and tests: backends/crane.ts)
 * and Cloud Build (production: backends/cloud-build.ts, which only starts the
 * build; its status arrives later on the cloud-builds topic).
 */
import { BUILD_KEY_LABEL, type BuildKey } from "./key.ts";
import type { ContextFileSet } from "./context.ts";
import type { AcceleratorCategory } from "./request.ts";

export interface BuildPlan {
  key: BuildKey;
  /** The build record's id, when there is one (a backend may tag its own build with it). */
  buildId?: string;
  /** registry/path the image is pushed to; the image is `${repository}:${key}`. */
  repository: string;
  /** The base image pinned by digest ("registry/path@sha256:…"). */
  baseImage: string;
  accelerator: AcceleratorCategory;
  context: ContextFileSet;
  requirements?: string | undefined;
}

export interface BuildOutput {
  /** `${repository}:${key}` */
  image: string;
  /** The pushed manifest's digest. */
  digest: string;
  /** What the requirements resolved to, PEP 503 name → version (empty without requirements). */
  resolvedPackages: Record<string, string>;
}

/** A backend finishes in the call (crane) or starts a build whose end is reported later (Cloud Build). */
export type BuildStart = { status: "finished"; output: BuildOutput } | { status: "started"; externalId: string };

export interface ImageBuilder {
  /** Recipe id and version; part of the build key, so a change of recipe is a new image. */
  readonly recipe: string;
  /** Builds (or starts building) `plan`; `log` receives the build's output, line by line. */
  start(plan: BuildPlan, log: (line: string) => void): Promise<BuildStart>;
}

/**
 * A build that failed for a reason a retry will not fix (a requirement that
 * cannot be installed, a base image that is gone, a context over the limit):
 * the build is recorded FAILED with `reason` and the log tail. Anything else a
 * backend throws is treated as transient.
 */
export class BuildFailure extends Error {
  override name = "BuildFailure";
  readonly reason: string;
  constructor(reason: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.reason = reason;
  }
}

/** The labels every Kinetic image carries. */
export function imageLabels(plan: BuildPlan, recipe: string): Record<string, string> {
  return {
    [BUILD_KEY_LABEL]: plan.key,
    "dev.kinetic.accelerator": plan.accelerator,
    "dev.kinetic.recipe": recipe,
    "dev.kinetic.base-image": plan.baseImage,
  };
}
