/**
 * Running one build attempt: claim it (one builder at a time; a dead
 * builder's claim lapses and is taken over), ask the registry once more (an
 * earlier attempt or another deployment may have pushed the key meanwhile),
 * build, and record the end — SUCCEEDED with the digest and the resolved
 * versions, or FAILED with the reason and the log tail. A transient fault
 * gives the claim back and throws, so the transport's redelivery retries.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { tailOf, type BuildDoc, type BuildStore } from "../store/build-store.ts";
import type { ImageRegistry } from "../registry/oci-client.ts";
import { BuildFailure, type ImageBuilder } from "./builder.ts";
import { parseBuildRequest } from "./request.ts";
import { prepareBuild, type PreparedBuild } from "./prepare.ts";

export interface BuildDeps {
  builds: BuildStore;
  registry: ImageRegistry;
  builder: ImageBuilder;
  clock: Clock;
  log?: Logger;
  defaultRepository?: string | undefined;
  contextLimits?: { maxBytes?: number; maxFiles?: number } | undefined;
  /** How long a claim holds without renewal (renewed every third of it while building). */
  claimMs?: number;
  /** How often the log tail on the record is refreshed while building. */
  progressMs?: number;
}

/** Runs the build `build` names; returns the record as it ends (or as another builder holds it). */
export async function executeBuild(
  deps: BuildDeps,
  build: BuildDoc,
  prepared?: PreparedBuild,
  owner = randomUUID(),
): Promise<BuildDoc> {
  const claimMs = deps.claimMs ?? 120_000;
  const claimed = await deps.builds.claim(build.id, { owner, holdMs: claimMs });
  if (!claimed) return (await deps.builds.get(build.id)) ?? build;
  // Already handed to a backend that reports its own end (Cloud Build, a Job): starting it again would build twice.
  if (claimed.externalId) return claimed;
  const started = deps.clock.now().getTime();
  const lines: string[] = [];
  const log = (line: string) => {
    // Only the tail is kept on the record; the whole log stays with the backend (or the builder's own output).
    if (lines.push(line) > 1000) lines.splice(0, lines.length - 500);
  };
  const duration = () => ({ durationMs: deps.clock.now().getTime() - started });
  let prep = prepared;
  // Keep the claim and the visible log fresh while a long build runs.
  const timers = [
    setInterval(() => void deps.builds.claim(build.id, { owner, holdMs: claimMs }).catch(() => {}), claimMs / 3),
    setInterval(() => void deps.builds.setLogTail(build.id, lines).catch(() => {}), deps.progressMs ?? 2000),
  ];
  try {
    if (!prep) {
      const again = await prepareBuild({ ...deps, recipe: deps.builder.recipe }, parseBuildRequest(build.request));
      if (!again.ok) throw new BuildFailure(again.reason, again.message);
      prep = again;
    }
    // The context may have changed since the request was made: build only what the key names.
    if (prep.key !== build.key) {
      throw new BuildFailure("ContextChanged", "the context or base image changed after the build was requested");
    }
    const present = await deps.registry.head(build.image);
    if (present) {
      return (
        await deps.builds.transition(build.id, {
          to: "SUCCEEDED",
          reason: "AlreadyPresent",
          patch: { digest: present.digest, ...duration() },
        })
      ).build;
    }
    const result = await deps.builder.start(
      {
        key: prep.key,
        buildId: build.id,
        repository: prep.repository,
        baseImage: prep.baseImage,
        accelerator: prep.request.accelerator,
        context: prep.context,
        requirements: prep.request.requirements,
      },
      log,
    );
    if (result.status === "started") {
      // The backend reports the end itself (Cloud Build → cloud-builds topic); the record stays BUILDING.
      await deps.builds.transition(build.id, {
        to: "BUILDING",
        reason: "Submitted",
        patch: { externalId: result.externalId },
      });
      return (await deps.builds.get(build.id)) ?? claimed;
    }
    const { output } = result;
    deps.log?.info("build succeeded", { buildId: build.id, digest: output.digest });
    return (
      await deps.builds.transition(build.id, {
        to: "SUCCEEDED",
        reason: "Built",
        patch: {
          digest: output.digest,
          resolvedPackages: output.resolvedPackages,
          logTail: tailOf(lines),
          ...duration(),
        },
      })
    ).build;
  } catch (err) {
    if (err instanceof BuildFailure) {
      log(err.message);
      deps.log?.warn("build failed", { buildId: build.id, reason: err.reason });
      return (
        await deps.builds.transition(build.id, {
          to: "FAILED",
          reason: err.reason,
          message: err.message,
          patch: { logTail: tailOf(lines), ...duration() },
        })
      ).build;
    }
    await deps.builds.setLogTail(build.id, lines).catch(() => {});
    await deps.builds.release(build.id, owner).catch(() => {});
    throw err;
  } finally {
    for (const t of timers) clearInterval(t);
    if (prep && !prepared) await prep.dispose();
  }
}
