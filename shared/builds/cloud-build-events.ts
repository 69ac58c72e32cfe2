/**
 * cloudBuilds' handler: a Cloud Build status notification in, the build
 * record moved (cloud-build-status.ts, never backwards) and, once the build
 * has ended, the jobs waiting on it woken. Duplicated and out-of-order
 * notifications are harmless: the record absorbs them and the wake only
 * finds jobs still waiting. A notification that is not a Build resource is
 * recorded as poison and acked; builds Kinetic did not start are ignored.
 */
import { decodePubsubEvent, type CloudEventLike } from "../jobs/envelope.ts";
import type { JobDeps } from "../jobs/submit.ts";
import { isTerminalBuildState, type BuildState } from "../store/build-store.ts";
import { requireImages } from "./build-run.ts";
import { applyCloudBuildStatus } from "./cloud-build-status.ts";
import { wakeJobsWaitingOn, type WakeSummary } from "./wake-jobs.ts";

export type CloudBuildEventOutcome =
  | { status: "poison" | "ignored"; reason: string }
  | { status: "applied" | "unchanged"; buildId: string; state: BuildState; woken?: WakeSummary };

export async function handleCloudBuildEvent(deps: JobDeps, event: CloudEventLike): Promise<CloudBuildEventOutcome> {
  const images = requireImages(deps);
  let message;
  try {
    message = decodePubsubEvent(event);
  } catch (err) {
    deps.log.error("dropping an event that carries no Pub/Sub message", { eventId: event.id, error: err });
    return { status: "poison", reason: "no Pub/Sub message" };
  }
  const r = await applyCloudBuildStatus(
    { builds: images.builds },
    Buffer.from(message.text, "utf8").toString("base64"),
  );
  if (r.status === "ignored") {
    if (r.why === "the notification is not a Build resource") {
      deps.log.warn("poison Cloud Build notification recorded and acked", { messageId: message.messageId });
      await images.builds.recordPoison(message.messageId, r.why, message.text);
      return { status: "poison", reason: r.why };
    }
    deps.log.debug("Cloud Build notification ignored", { messageId: message.messageId, why: r.why });
    return { status: "ignored", reason: r.why };
  }
  const build = r.build;
  if (!isTerminalBuildState(build.state)) return { status: r.status, buildId: build.id, state: build.state };
  return { status: r.status, buildId: build.id, state: build.state, woken: await wakeJobsWaitingOn(deps, build) };
}
