/**
 * The chaos bench's push driver against functions-framework's own server (in
 * process): its envelope is a Pub/Sub CloudEvent the framework accepts and
 * submitJob's decoder reads; every round sends `copies` deliveries at once;
 * a round with no 2xx is redelivered, and one 2xx acks.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { decodePubsubEvent } from "../../shared/jobs/envelope.ts";
import { PushDriver, type PulledMessage } from "../../bench/chaos/driver.ts";

const seen: Array<{ messageId: string; text: string; publishTime?: string }> = [];
let failures = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  functions.cloudEvent("chaosDriverProbe", (event: functions.CloudEvent<unknown>) => {
    const m = decodePubsubEvent(event);
    seen.push({ messageId: m.messageId, text: m.text, ...(m.publishTime ? { publishTime: m.publishTime } : {}) });
    if (failures > 0) {
      failures--;
      throw new Error("transient");
    }
  });
  server = getTestServer("chaosDriverProbe");
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((r) => server.close(r)));

const message = (id: string, acks: string[]): PulledMessage => ({
  id,
  data: Buffer.from(JSON.stringify({ id: `job-${id}` })),
  attributes: {},
  publishTime: new Date().toISOString(),
  ack: () => acks.push(id),
});

const driverFor = (target: string, onFirstSend?: (id: string | undefined) => void) =>
  new PushDriver({
    url: target,
    project: "p",
    topic: "t",
    subscription: "s",
    copies: 3,
    maxAttempts: 3,
    maxInFlight: 8,
    jitterMs: 5,
    ...(onFirstSend ? { onFirstSend } : {}),
  });

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

it("delivers each message 3 times at once as a decodable Pub/Sub CloudEvent, and acks on a 2xx", async () => {
  seen.length = 0;
  const acks: string[] = [];
  const first: Array<string | undefined> = [];
  const driver = driverFor(url, (id) => first.push(id));
  driver.accept(message("m1", acks));
  await until(() => driver.finished === 1);
  expect(acks).toEqual(["m1"]);
  expect(seen.map((s) => s.messageId)).toEqual(["m1", "m1", "m1"]);
  expect(JSON.parse(seen[0]!.text)).toEqual({ id: "job-m1" });
  expect(seen[0]!.publishTime).toBeDefined();
  expect(first).toEqual(["job-m1"]);
  expect(driver.stats).toMatchObject({ deliveries: 3, ok: 3, nackedRounds: 0 });
});

it("redelivers a round where every copy failed, and dead-letters after the last attempt", async () => {
  seen.length = 0;
  failures = 3; // the whole first round
  const acks: string[] = [];
  const driver = driverFor(url);
  driver.accept(message("m2", acks));
  await until(() => driver.finished === 1);
  expect(acks).toEqual(["m2"]);
  expect(driver.stats).toMatchObject({ deliveries: 6, errors: 3, ok: 3, nackedRounds: 1 });

  const down = driverFor("http://127.0.0.1:9"); // nothing listens: a killed process
  down.accept(message("m3", acks));
  down.accept(message("m3", acks)); // the emulator handing it out again is not a new message
  await until(() => down.finished === 1);
  expect(down.stats).toMatchObject({ messages: 1, connectionFailures: 9, emulatorRedeliveries: 1 });
  expect(down.stats.deadLettered).toEqual(["job-m3"]);
}, 20_000);
