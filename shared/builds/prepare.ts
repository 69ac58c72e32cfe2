/**
 * From a request to what the key and the builder need: the context read
 * (a Git commit checked out first), the base image resolved to its digest
 * through the registry, the key computed. A request that cannot be built
 * (a context over the limit, a base image that is not there, a commit that
 * cannot be fetched) is not thrown away: it gets a key of its own, derived
 * from the request, so it is recorded as a FAILED build with its reason.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { KineticError } from "../errors.ts";
import type { ImageRegistry } from "../registry/oci-client.ts";
import { formatImageRef, parseImageRef } from "../registry/reference.ts";
import { BuildFailure } from "./builder.ts";
import { readDirContext, type ContextFileSet } from "./context.ts";
import { buildKey, type BuildKey } from "./key.ts";
import type { BuildRequest } from "./request.ts";
import { checkoutCommit } from "./backends/git.ts";

export interface PrepareDeps {
  registry: ImageRegistry;
  /** The builder's recipe (part of the key). */
  recipe: string;
  /** Where images go when the request names no repository. */
  defaultRepository?: string | undefined;
  contextLimits?: { maxBytes?: number; maxFiles?: number } | undefined;
}

export interface PreparedBuild {
  ok: true;
  request: BuildRequest;
  key: BuildKey;
  repository: string;
  /** `${repository}:${key}` */
  image: string;
  /** The base image pinned by digest. */
  baseImage: string;
  context: ContextFileSet;
  /** Removes a checked-out Git context. */
  dispose(): Promise<void>;
}

export interface UnbuildableRequest {
  ok: false;
  request: BuildRequest;
  /** Derived from the request, so asking again finds the same FAILED record. */
  key: BuildKey;
  repository: string;
  image: string;
  baseImage: string;
  reason: string;
  message: string;
}

export function repositoryOf(request: BuildRequest, fallback: string | undefined): string {
  const repo = request.repository ?? fallback;
  if (!repo) throw new KineticError("invalid-argument", "the build names no repository and no default is configured");
  return repo;
}

export async function prepareBuild(
  deps: PrepareDeps,
  request: BuildRequest,
): Promise<PreparedBuild | UnbuildableRequest> {
  const repository = repositoryOf(request, deps.defaultRepository);
  const unbuildable = (reason: string, message: string): UnbuildableRequest => {
    const key = createHash("sha256")
      .update(JSON.stringify(["kinetic-unbuildable", deps.recipe, reason, request]))
      .digest("hex") as BuildKey;
    return {
      ok: false,
      request,
      key,
      repository,
      image: `${repository}:${key}`,
      baseImage: request.baseImage,
      reason,
      message,
    };
  };
  const baseRef = parseImageRef(request.baseImage);
  // A digest pins the base already (no request needed: the up-to-date check is then one registry request);
  // a tag is resolved, because it may have moved. A pinned base that is gone fails the build itself.
  const baseDigest = baseRef.digest ?? (await deps.registry.head(baseRef))?.digest;
  if (!baseDigest) return unbuildable("BaseImageMissing", `the base image ${request.baseImage} is not in its registry`);
  const baseImage = formatImageRef(baseRef, { digest: baseDigest });

  let dir: string;
  let dispose = async () => {};
  if (request.context.kind === "git") {
    try {
      const co = await checkoutCommit(request.context.url, request.context.commit);
      dispose = co.dispose;
      dir = request.context.subdir ? join(co.dir, request.context.subdir) : co.dir;
    } catch (err) {
      if (err instanceof BuildFailure) return unbuildable(err.reason, err.message);
      throw err;
    }
  } else {
    dir = request.context.path;
  }
  try {
    const context = await readDirContext(dir, deps.contextLimits);
    const key = buildKey({
      files: context.files,
      requirements: request.requirements,
      baseDigest,
      accelerator: request.accelerator,
      recipe: deps.recipe,
      refresh: request.refresh,
    });
    return { ok: true, request, key, repository, image: `${repository}:${key}`, baseImage, context, dispose };
  } catch (err) {
    await dispose();
    if (err instanceof KineticError && err.code === "payload-too-large")
      return unbuildable("ContextTooLarge", err.message);
    if (err instanceof KineticError && err.code === "invalid-argument") return unbuildable("BadContext", err.message);
    throw err;
  }
}
