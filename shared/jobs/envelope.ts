/**
 * Decodes the Pub/Sub message inside a CloudEvent. It accepts both shapes a
 * function receives: Eventarc's MessagePublishedData and the framework's
 * conversion of a raw push (camelCase, sometimes snake_case duplicates).
 */
import { z } from "zod";
import { KineticError } from "../errors.ts";

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
