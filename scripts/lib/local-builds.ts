/**
 * Image builds in local mode: the local OCI registry (testbed/registry,
 * distribution built from Go modules) on 127.0.0.1 as the target, and crane
 * as the builder, so `npm start` builds jobs' images for real without Docker
 * or a cloud. When build.sh has not built them, builds are off and says so:
 * a job that names a build then fails with BuildsUnavailable.
 */
import { existsSync } from "node:fs";
import type { EventBus } from "../../shared/bus/event-bus.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/log.ts";
import type { BuildStore } from "../../shared/store/build-store.ts";
import { createImageDeps } from "../../shared/builds/image-deps.ts";
import type { ImageDeps } from "../../shared/builds/job-image.ts";
import { buildsPaths, startRegistry } from "./oci-registry.ts";

export interface LocalBuilds {
  images?: ImageDeps;
  /** host:port of the local registry, when it runs. */
  registry?: string;
  stop(): Promise<void>;
}

export async function startLocalBuilds(
  parts: { builds: BuildStore; bus: EventBus; clock: Clock; log: Logger },
  say: (line: string) => void,
): Promise<LocalBuilds> {
  const paths = buildsPaths();
  if (!existsSync(paths.bin("registry")) || !existsSync(paths.bin("crane"))) {
    say("  Image builds        off: the local registry and crane are not built (npm run testbed:build)");
    return { stop: async () => {} };
  }
  const reg = await startRegistry();
  const repository = `${reg.host}/kinetic/jobs`;
  const images = createImageDeps(
    { builder: "crane", cranePath: paths.bin("crane"), repository, cloudBuildsTopic: "unused-locally" },
    parts,
  );
  say(`  Image builds        crane → local registry ${reg.url} (images in ${repository})`);
  return { ...(images ? { images } : {}), registry: reg.host, stop: () => reg.stop() };
}
