import { describe, expect, it } from "vitest";
import { decodePubsubEvent } from "./envelope.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("decodePubsubEvent", () => {
  it("decodes Eventarc's MessagePublishedData", () => {
    const m = decodePubsubEvent({
      id: "ce-1",
      data: {
        message: {
          data: b64('{"a":1}'),
          messageId: "42",
          publishTime: "2026-01-01T00:00:00Z",
          attributes: { jobId: "j1" },
        },
        subscription: "s",
      },
    });
    expect(m).toEqual({
      messageId: "42",
      publishTime: "2026-01-01T00:00:00Z",
      attributes: { jobId: "j1" },
      text: '{"a":1}',
    });
  });

  it("accepts snake_case duplicates and falls back to the event id and time", () => {
    expect(
      decodePubsubEvent({ id: "7", time: "2026-02-02T00:00:00Z", data: { message: { data: b64("x") } } }),
    ).toMatchObject({
      messageId: "7",
      publishTime: "2026-02-02T00:00:00Z",
    });
    expect(
      decodePubsubEvent({ data: { message: { data: b64("x"), message_id: "9", publish_time: "t" } } }),
    ).toMatchObject({
      messageId: "9",
      publishTime: "t",
    });
  });

  it("rejects an event without a Pub/Sub message", () => {
    expect(() => decodePubsubEvent({ id: "1", data: { hello: "world" } })).toThrow(/Pub\/Sub message/);
  });
});
