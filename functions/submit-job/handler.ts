/**
 * submitJob's handler: one Pub/Sub job message in, one job out. Resolving
 * acks the message; throwing nacks it, which happens only for transient
 * faults. A poison message is recorded as REJECTED and acked.
 */
import { decodePubsubEvent, type CloudEventLike } from "../../shared/jobs/envelope.ts";
import { submitJob, type JobDeps, type SubmitOutcome } from "../../shared/jobs/submit.ts";
import { isJobId } from "../../shared/schemas/job-id.ts";

export async function handleJobMessage(deps: JobDeps, event: CloudEventLike): Promise<SubmitOutcome | undefined> {
  let message;
  try {
    message = decodePubsubEvent(event);
  } catch (err) {
    // Nothing identifies this message, so nothing can be recorded; acking stops the loop.
    deps.log.error("dropping an event that carries no Pub/Sub message", { eventId: event.id, error: err });
    return undefined;
  }
  let spec: unknown;
  let parseError: string | undefined;
  try {
    spec = JSON.parse(message.text);
  } catch (err) {
    parseError = err instanceof Error ? err.message : String(err);
  }
  // The publisher may carry the job id as an attribute instead of in the body.
  const attrId = message.attributes.jobId;
  if (isJobId(attrId) && isObject(spec) && spec.id === undefined) spec = { ...spec, id: attrId };
  if (!isObject(spec) && parseError === undefined) {
    parseError = "the message body is JSON but not an object";
    spec = undefined;
  }
  const outcome = await submitJob(deps, {
    spec,
    ...(parseError !== undefined ? { parseError } : {}),
    // A republish gets a new message id; only an id from the producer survives that.
    ...(attrId ? { jobId: attrId } : {}),
    key: message.attributes.idempotencyKey ?? `pubsub:${message.messageId}`,
    principal: "pubsub",
    source: `pubsub:${message.messageId}`,
    ...(message.publishTime ? { publishedAt: message.publishTime } : {}),
  });
  return outcome;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
