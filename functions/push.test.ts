import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { decodePubsubEvent } from "../shared/jobs/envelope.ts";
import { eventFromPush } from "./push.ts";

const req = (body: unknown, headers: Record<string, string> = {}) =>
  ({
    body,
    get: (h: string) => headers[h.toLowerCase()],
    is: (type: string) => (headers["content-type"] === type ? type : false),
  }) as unknown as Request;

const message = { data: Buffer.from('{"a":1}').toString("base64"), messageId: "m-1", attributes: { jobId: "j" } };

describe("eventFromPush", () => {
  it("reads a raw push body (what the push subscription sends) with its message id and publish time", () => {
    const event = eventFromPush(
      req({ message: { ...message, publishTime: "2026-01-01T00:00:00Z" }, subscription: "s" }),
    );
    expect(event).toMatchObject({ id: "m-1", time: "2026-01-01T00:00:00Z" });
    expect(decodePubsubEvent(event)).toMatchObject({ messageId: "m-1", attributes: { jobId: "j" }, text: '{"a":1}' });
  });

  it("reads a binary CloudEvent (Eventarc) from its ce- headers", () => {
    const event = eventFromPush(req({ message }, { "ce-id": "evt-1", "ce-time": "2026-01-02T00:00:00Z" }));
    expect(event).toMatchObject({ id: "evt-1", time: "2026-01-02T00:00:00Z", data: { message } });
    expect(decodePubsubEvent(event).messageId).toBe("m-1");
  });

  it("reads a structured CloudEvent", () => {
    const event = eventFromPush(
      req(
        { id: "evt-2", time: "2026-01-03T00:00:00Z", data: { message } },
        { "content-type": "application/cloudevents+json" },
      ),
    );
    expect(event).toEqual({ id: "evt-2", time: "2026-01-03T00:00:00Z", data: { message } });
  });

  it("hands anything else to the handler as it came, which acks what carries no message", () => {
    expect(eventFromPush(req("not json"))).toEqual({ data: "not json" });
    expect(() => decodePubsubEvent(eventFromPush(req({ nothing: true })))).toThrow(/Pub\/Sub message/);
  });
});
