/**
 * The tuning topic's messages, validated at the edge (the tuneStudy
 * function): `study.create` carries a study spec (kinetic tune --via pubsub),
 * `study.drive` asks for one pass of a study's loop (recovery, refills), and
 * the jobs domain's `job.finished` event, which the function also receives
 * (its subscription on the job-events topic), ends trials.
 */
import { z } from "zod";
import { JobFinishedEvent } from "../bus/event-bus.ts";

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
