/**
 * The tuning topic's messages, validated at the edge (the tuneStudy
 * function): `study.create` carries a study spec (kinetic tune --via pubsub),
 * `study.drive` asks for one pass of a study's loop (recovery, refills), and
 * the jobs domain's `job.finished` event, which the function also receives
 * (its subscription on the job-events topic), ends trials.
 */
import { z } from "zod";
import type { EventBus } from "../bus/event-bus.ts";
import { JobFinishedEvent } from "../bus/job-events.ts";
import type { StudyKey } from "../store/study-store.ts";

export const StudyCreateMessage = z.object({
  type: z.literal("study.create"),
  spec: z.record(z.string(), z.unknown()),
});

export const StudyDriveMessage = z.object({
  type: z.literal("study.drive"),
  namespace: z.string().min(1),
  studyId: z.string().min(1),
});

export const TuningMessage = z.discriminatedUnion("type", [StudyCreateMessage, StudyDriveMessage, JobFinishedEvent]);
export type TuningMessage = z.infer<typeof TuningMessage>;

/**
 * Asks tuneStudy for one pass of the study's loop: how the API hands a new
 * study's fan-out to the function (a 1,000-trial fan-out is many submits,
 * retried by Pub/Sub if an instance dies, instead of one long HTTP request).
 */
export function publishDrive(bus: EventBus, key: StudyKey): Promise<string> {
  const message: z.infer<typeof StudyDriveMessage> = { type: "study.drive", namespace: key.namespace, studyId: key.id };
  return bus.publish("tuning", message, { studyId: key.id });
}
