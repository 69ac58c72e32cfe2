/**
 * requestBuild: the one entry point for "I need this image". It computes the
 * key, asks the registry, and only then touches the build records:
 *
 *   image with the key tag present  → "up-to-date": nothing uploaded, built or written;
 *   no build for the key yet        → "started": this call made attempt 1 (and runs it when `run: "inline"`);
 *   a build for the key under way   → "joined": the caller waits on that build (waitForBuild);
 *   the key's last attempt FAILED   → "failed", unless `retryFailed` asks for a new attempt.
 *
 * Of any number of concurrent requests for one key exactly one starts a build
 * (first-writer-wins create of the attempt; see build-store.ts).
 */
import { KineticError } from "../errors.ts";
import type { BuildDoc } from "../store/build-store.ts";
import { executeBuild, type BuildDeps } from "./execute.ts";
import type { BuildKey } from "./key.ts";
import { prepareBuild } from "./prepare.ts";
import { parseBuildRequest } from "./request.ts";

export type BuildOutcome =
  | { status: "up-to-date"; key: BuildKey; image: string; digest: string; build?: BuildDoc }
  | { status: "started" | "joined" | "failed"; key: BuildKey; image: string; build: BuildDoc };

export interface RequestOptions {
  /** "inline" runs a started build in this call (local mode, tests); "queue" leaves it QUEUED for buildImage. */
  run?: "inline" | "queue";
  /** Start a new attempt when the key's last one FAILED (an explicit `kinetic build`, a new push). */
  retryFailed?: boolean;
}

export async function requestBuild(
  deps: BuildDeps,
  input: unknown,
  options: RequestOptions = {},
): Promise<BuildOutcome> {
  const request = parseBuildRequest(input);
  const prepared = await prepareBuild({ ...deps, recipe: deps.builder.recipe }, request);
  let handedOff = false;
  try {
    const { key, image } = prepared;
    if (prepared.ok) {
      const present = await deps.registry.head(image);
      if (present) return { status: "up-to-date", key, image, digest: present.digest };
    }
    const { created, build } = await deps.builds.open(
      {
        key,
        // JSON round trip: Firestore refuses nested undefined values (an explicit `requirements: undefined`).
        request: JSON.parse(JSON.stringify(request)) as Record<string, unknown>,
        image,
        baseImage: prepared.baseImage,
        accelerator: request.accelerator,
        recipe: deps.builder.recipe,
      },
      options.retryFailed ? { retryFailed: true } : {},
    );
    if (!created) {
      if (build.state === "SUCCEEDED") {
        if (!build.digest) throw new KineticError("internal", `build ${build.id} succeeded without a digest`);
        return { status: "up-to-date", key, image, digest: build.digest, build };
      }
      return { status: build.state === "FAILED" ? "failed" : "joined", key, image, build };
    }
    if (!prepared.ok) {
      const failed = await deps.builds.transition(build.id, {
        to: "FAILED",
        reason: prepared.reason,
        message: prepared.message,
      });
      return { status: "failed", key, image, build: failed.build };
    }
    if (options.run !== "inline") return { status: "started", key, image, build };
    handedOff = true;
    try {
      return { status: "started", key, image, build: await executeBuild(deps, build, prepared) };
    } finally {
      await prepared.dispose();
    }
  } finally {
    if (prepared.ok && !handedOff) await prepared.dispose();
  }
}
