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
import { decodePubsubEvent, type CloudEventLike } from "../jobs/envelope.ts";
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
  let message;
  try {
    message = decodePubsubEvent(event);
  } catch (err) {
    deps.log.error("dropping an event that carries no Pub/Sub message", { eventId: event.id, error: err });
    return { status: "poison", reason: "no Pub/Sub message" };
  }
  const poison = async (reason: string): Promise<BuildRunOutcome> => {
    deps.log.warn("poison build message recorded and acked", { messageId: message.messageId, reason });
    await images.builds.recordPoison(message.messageId, reason, message.text);
    return { status: "poison", reason };
  };
  let body: unknown;
  try {
    body = JSON.parse(message.text);
  } catch (err) {
    return poison(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = BuildRunMessage.safeParse(body);
  if (!parsed.success)
    return poison(
      `not a build message: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  let build = await images.builds.get(parsed.data.buildId);
  if (!build) return poison(`no build ${parsed.data.buildId}`);
  // Not finished: run it (or find another builder holding it, or a backend that reports its own end).
  if (!isTerminalBuildState(build.state)) build = await executeBuild(images, build);
  const woken = await wakeJobsWaitingOn(deps, build);
  return { status: "done", buildId: build.id, state: build.state, woken };
}
