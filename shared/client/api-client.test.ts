/** The API client's error mapping for answers that are not in Kinetic's shape (a front end or the framework answered). */
import { describe, expect, it } from "vitest";
import { KineticApiClient } from "./api-client.ts";

function clientAnswering(status: number, body: string, type = "text/html") {
  return new KineticApiClient({
    baseUrl: "http://127.0.0.1:1",
    token: async () => "t",
    fetch: async () => new Response(body, { status, headers: { "content-type": type } }),
  });
}

describe("KineticApiClient errors", () => {
  it.each([
    [413, "payload-too-large"],
    [415, "unsupported-media-type"],
    [503, "unavailable"],
  ])("a foreign HTTP %i becomes %s with a short message", async (status, code) => {
    const err = await clientAnswering(status, "<html><body><h1>Request Entity Too Large</h1></body></html>")
      .submitJob({ image: "x" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code, httpStatus: status });
    expect((err as Error).message).toMatch(new RegExp(`HTTP ${status}: Request Entity Too Large`));
  });

  it("our own error body keeps its code and issues", async () => {
    const body = JSON.stringify({
      error: {
        code: "payload-too-large",
        message: "the body is over 1 MiB",
        issues: [{ field: "(body)", message: "too large" }],
      },
    });
    const err = await clientAnswering(413, body, "application/json")
      .submitJob({ image: "x" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "payload-too-large", issues: [{ field: "(body)", message: "too large" }] });
  });
});
