/**
 * The builds topic's message: "run build {id}". Whoever starts a build (a
 * job submission, a push hook) publishes it after the build record exists;
 * buildImage runs the build and then wakes the jobs waiting on it. A
 * duplicate or late message is harmless: a finished build is not run again
 * (its jobs are only woken again, which changes nothing), and a build another
 * builder holds is left to it.
 */
import { z } from "zod";
import type { EventBus } from "../bus/event-bus.ts";

export const BuildRunMessage = z.strictObject({
  type: z.literal("build.run"),
  /** builds/{buildId}: `<key>-<attempt>`. */
  buildId: z.string().regex(/^[0-9a-f]{64}-[1-9][0-9]{0,5}$/, "must be a build id (<key>-<attempt>)"),
});
export type BuildRunMessage = z.infer<typeof BuildRunMessage>;

/** Publishes "run this build" on the builds topic; resolves to the message id. */
export function publishBuildRun(bus: EventBus, buildId: string): Promise<string> {
  const message: BuildRunMessage = { type: "build.run", buildId };
  return bus.publish("builds", message, { buildId, type: message.type });
}
