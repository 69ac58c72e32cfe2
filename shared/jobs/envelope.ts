/**
 * Decodes the Pub/Sub message inside a CloudEvent. It accepts both shapes a
 * function receives: Eventarc's MessagePublishedData and the framework's
 * conversion of a raw push (camelCase, sometimes snake_case duplicates).
 */
import { z } from "zod";
import { KineticError } from "../errors.ts";
import type { Logger } from "../log.ts";

const PubsubMessage = z.looseObject({
  data: z.string().optional(),
  attributes: z.record(z.string(), z.string()).nullish(),
  messageId: z.string().optional(),
  message_id: z.string().optional(),
  publishTime: z.string().optional(),
  publish_time: z.string().optional(),
});

const MessagePublishedData = z.looseObject({
  message: PubsubMessage,
  subscription: z.string().optional(),
});

export interface DecodedMessage {
  messageId: string;
  publishTime?: string;
  attributes: Record<string, string>;
  /** The raw decoded bytes as UTF-8 text. */
  text: string;
}

export interface CloudEventLike {
  id?: string;
  time?: string;
  data?: unknown;
}

export function decodePubsubEvent(event: CloudEventLike): DecodedMessage {
  const parsed = MessagePublishedData.safeParse(event.data);
  if (!parsed.success) {
    throw new KineticError("invalid-argument", "the event does not carry a Pub/Sub message", {
      issues: [{ field: "message", message: "missing or malformed Pub/Sub message envelope" }],
    });
  }
  const m = parsed.data.message;
  const messageId = m.messageId ?? m.message_id ?? event.id;
  if (!messageId) {
    throw new KineticError("invalid-argument", "the Pub/Sub message has no id", {
      issues: [{ field: "message.messageId", message: "required" }],
    });
  }
  const publishTime = m.publishTime ?? m.publish_time ?? event.time;
  return {
    messageId,
    ...(publishTime ? { publishTime } : {}),
    attributes: m.attributes ?? {},
    text: m.data ? Buffer.from(m.data, "base64").toString("utf8") : "",
  };
}

/** Records a message no redelivery can fix, so it is acked once and kept for an operator (a poison collection). */
export type RecordPoison = (messageId: string, reason: string, text: string) => Promise<void>;

export type TypedMessage<T> =
  { ok: true; data: T; message: DecodedMessage } | { ok: false; reason: string; message?: DecodedMessage };

/**
 * A push message decoded and validated against `schema`: an event without a Pub/Sub message is logged and dropped
 * (it has no id to record it by); text that is not JSON, or JSON of another shape, is recorded with `recordPoison`
 * and logged. Either way the caller acks: no redelivery makes a malformed message valid.
 */
export async function decodeTypedMessage<T>(
  event: CloudEventLike,
  schema: z.ZodType<T>,
  o: {
    /** What the message should be, for the reason: "a build message", "a tuning message". */
    what: string;
    log: Pick<Logger, "warn" | "error">;
    recordPoison: RecordPoison;
  },
): Promise<TypedMessage<T>> {
  let message: DecodedMessage;
  try {
    message = decodePubsubEvent(event);
  } catch (err) {
    o.log.error("dropping an event that carries no Pub/Sub message", { eventId: event.id, error: err });
    return { ok: false, reason: "no Pub/Sub message" };
  }
  const poison = async (reason: string): Promise<TypedMessage<T>> => {
    o.log.warn(`poison message recorded and acked: not ${o.what}`, { messageId: message.messageId, reason });
    await o.recordPoison(message.messageId, reason, message.text);
    return { ok: false, reason, message };
  };
  let body: unknown;
  try {
    body = JSON.parse(message.text);
  } catch (err) {
    return poison(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    return poison(
      `not ${o.what}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  return { ok: true, data: parsed.data, message };
}
