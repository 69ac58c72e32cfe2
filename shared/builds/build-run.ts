/**
 * buildImage's handler: one build.run message in, one build run and its
 * waiting jobs woken. Resolving acks; throwing nacks, which happens only for
 * transient faults (the build's claim was given back, so the redelivery runs
 * it again). A poison message (not JSON, not a build.run, an unknown build)
 * is recorded in buildPoison and acked. A duplicate or late message finds
 * the build finished (or held by another builder) and only wakes the jobs
 * still waiting, which is idempotent.
 */
import { KineticError } from "../errors.ts";
import { decodeTypedMessage, type CloudEventLike } from "../jobs/envelope.ts";
import type { JobDeps } from "../jobs/submit.ts";
import { isTerminalBuildState, type BuildState } from "../store/build-store.ts";
import { BuildRunMessage } from "./build-messages.ts";
import { executeBuild } from "./execute.ts";
import type { ImageDeps } from "./job-image.ts";
import { wakeJobsWaitingOn, type WakeSummary } from "./wake-jobs.ts";

export type BuildRunOutcome =
  { status: "poison"; reason: string } | { status: "done"; buildId: string; state: BuildState; woken: WakeSummary };

/** The builds deps a build function cannot run without (a deployment without a builder is misconfigured). */
export function requireImages(deps: JobDeps): ImageDeps {
  if (!deps.images)
    throw new KineticError("failed-precondition", "this function has no image builder configured (KINETIC_BUILDER)");
  return deps.images;
}

export async function handleBuildRun(deps: JobDeps, event: CloudEventLike): Promise<BuildRunOutcome> {
  const images = requireImages(deps);
  const decoded = await decodeTypedMessage(event, BuildRunMessage, {
    what: "a build message",
    log: deps.log,
    recordPoison: (id, reason, text) => images.builds.recordPoison(id, reason, text),
  });
  if (!decoded.ok) return { status: "poison", reason: decoded.reason };
  const { buildId } = decoded.data;
  let build = await images.builds.get(buildId);
  if (!build) {
    const reason = `no build ${buildId}`;
    deps.log.warn("poison build message recorded and acked", { messageId: decoded.message.messageId, reason });
    await images.builds.recordPoison(decoded.message.messageId, reason, decoded.message.text);
    return { status: "poison", reason };
  }
  // Not finished: run it (or find another builder holding it, or a backend that reports its own end).
  if (!isTerminalBuildState(build.state)) build = await executeBuild(images, build);
  const woken = await wakeJobsWaitingOn(deps, build);
  return { status: "done", buildId: build.id, state: build.state, woken };
}
