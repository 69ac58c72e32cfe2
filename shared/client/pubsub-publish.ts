/**
 * The Pub/Sub submission path: publishes the job spec as the message data to
 * the jobs topic in the resolved project. The spec always carries an id
 * (generated here when missing) so the caller can track the job, and the id
 * is also the `jobId` attribute the submit function deduplicates on.
 * @google-cloud/pubsub honours PUBSUB_EMULATOR_HOST by itself.
 */
import { PubSub } from "@google-cloud/pubsub";
import { TOPICS } from "../bus/topics.ts";
import { topicName } from "../config/deployment-names.ts";
import { KineticError } from "../errors.ts";
import { newJobId } from "../schemas/job-id.ts";

export interface PublishResult {
  messageId: string;
  jobId: string;
  topic: string;
}

/** Returns the spec with an id (the given object is not changed). */
export function withJobId(spec: Record<string, unknown>): { spec: Record<string, unknown>; jobId: string } {
  if (typeof spec.id === "string" && spec.id !== "") return { spec, jobId: spec.id };
  const jobId = newJobId();
  return { spec: { ...spec, id: jobId }, jobId };
}

/** How long a publish may take before the user is told; the client library alone would retry for minutes. */
export const PUBLISH_TIMEOUT_MS = 30_000;

export async function publishJob(
  spec: Record<string, unknown>,
  options: { project: string; timeoutMs?: number; cluster?: string },
): Promise<PublishResult> {
  const { spec: withId, jobId } = withJobId(spec);
  // Each cluster's deployment has its own jobs topic (kinetic-{tag}-jobs); the emulator (npm start) has the local one.
  const deployed = options.cluster && !process.env.PUBSUB_EMULATOR_HOST;
  const jobsTopic = deployed ? topicName(options.cluster!, TOPICS.jobs) : TOPICS.jobs;
  const timeoutMs = options.timeoutMs ?? PUBLISH_TIMEOUT_MS;
  const pubsub = new PubSub({ projectId: options.project });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const topic = pubsub.topic(jobsTopic, { gaxOpts: { timeout: timeoutMs } });
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new KineticError("unavailable", `Pub/Sub did not accept the message within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    const messageId = await Promise.race([
      topic.publishMessage({ data: Buffer.from(JSON.stringify(withId)), attributes: { jobId } }),
      deadline,
    ]);
    return { messageId, jobId, topic: jobsTopic };
  } catch (err) {
    if (err instanceof KineticError)
      throw new KineticError(
        err.code,
        `cannot publish to topic ${jobsTopic} in project ${options.project}: ${err.message}`,
      );
    const e = err as { code?: number; details?: string; message?: string };
    // gRPC status 5 NOT_FOUND (topic missing), 7 PERMISSION_DENIED, 14 UNAVAILABLE.
    const code = e.code === 5 ? "not-found" : e.code === 7 ? "permission-denied" : "unavailable";
    throw new KineticError(
      code,
      `cannot publish to topic ${jobsTopic} in project ${options.project}: ${e.details || e.message || String(err)}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
    // close() can wait on the stuck publish; do not let it hold the caller.
    void pubsub.close().catch(() => undefined);
  }
}
