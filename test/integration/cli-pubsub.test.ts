/**
 * `kinetic jobs submit --via pubsub` against the real Pub/Sub emulator. The
 * test pulls the published message and checks data and attributes.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PubSub, type Subscription } from "@google-cloud/pubsub";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sandbox, type Sandbox } from "../unit/cli/helpers.ts";

// Real subprocesses on a shared 2-core machine: generous limits; no assertion depends on time.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// One emulator per test run (the integration project's global setup); a project of this file's own.
const PROJECT = `pubsub-cli-${Date.now().toString(36)}`;
let host = "";
let pubsub: PubSub;
let subscription: Subscription;

beforeAll(async () => {
  host = process.env.PUBSUB_EMULATOR_HOST ?? "";
  if (!host) throw new Error("PUBSUB_EMULATOR_HOST is not set: run through the integration project");
  pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: host, emulatorMode: true });
  const [topic] = await pubsub.createTopic("kinetic-jobs");
  [subscription] = await topic.createSubscription("test-pull");
}, 60_000);

afterAll(async () => {
  await pubsub?.close();
});

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function pullOne(): Promise<{ data: unknown; attributes: Record<string, string>; id: string }> {
  const client = new (await import("@google-cloud/pubsub")).v1.SubscriberClient({
    servicePath: host.split(":")[0],
    port: Number(host.split(":")[1]),
    sslCreds: (await import("@grpc/grpc-js")).credentials.createInsecure(),
  });
  try {
    for (;;) {
      const [res] = await client.pull({ subscription: subscription.name, maxMessages: 1 });
      const msg = res.receivedMessages?.[0];
      if (msg?.message) {
        await client.acknowledge({ subscription: subscription.name, ackIds: [msg.ackId!] });
        return {
          data: JSON.parse(Buffer.from(msg.message.data as Uint8Array).toString()),
          attributes: (msg.message.attributes ?? {}) as Record<string, string>,
          id: msg.message.messageId!,
        };
      }
    }
  } finally {
    await client.close();
  }
}

describe("jobs submit --via pubsub (Pub/Sub emulator)", () => {
  it("publishes the spec with a generated id, as data and as the jobId attribute", { timeout: 60_000 }, async () => {
    const file = join(sb.home, "job.yaml");
    await writeFile(file, "image: img:1\naccelerator: tpu-v6e-8\n");
    const r = await sb.run(["jobs", "submit", "-f", file, "--via", "pubsub"], {
      PUBSUB_EMULATOR_HOST: host,
      KINETIC_PROJECT: PROJECT,
      KINETIC_NAMESPACE: "ml",
    });
    expect(r.code, r.stderr).toBe(0);
    const m = /^Published job (j-[0-9a-f]{20}) to kinetic-jobs \(message (\S+)\)$/.exec(r.stdout.trim());
    expect(m, r.stdout).not.toBeNull();
    const msg = await pullOne();
    expect(msg.id).toBe(m![2]);
    expect(msg.attributes).toEqual({ jobId: m![1] });
    expect(msg.data).toEqual({ image: "img:1", accelerator: "tpu-v6e-8", namespace: "ml", id: m![1] });
  });

  it("keeps an id the spec already has; --json reports it", { timeout: 60_000 }, async () => {
    const file = join(sb.home, "job.json");
    await writeFile(file, JSON.stringify({ id: "my-run-7", image: "img:1", accelerator: "cpu" }));
    const r = await sb.run(["jobs", "submit", "-f", file, "--via", "pubsub", "--json"], {
      PUBSUB_EMULATOR_HOST: host,
      KINETIC_PROJECT: PROJECT,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ jobId: "my-run-7", topic: "kinetic-jobs" });
    const msg = await pullOne();
    expect(msg).toMatchObject({ id: out.messageId, attributes: { jobId: "my-run-7" }, data: { id: "my-run-7" } });
  });

  it("a project without the topic is a clear error", { timeout: 60_000 }, async () => {
    const file = join(sb.home, "job.json");
    await writeFile(file, JSON.stringify({ image: "img:1", accelerator: "cpu" }));
    const r = await sb.run(["jobs", "submit", "-f", file, "--via", "pubsub"], {
      PUBSUB_EMULATOR_HOST: host,
      KINETIC_PROJECT: "no-topic-proj",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot publish to topic kinetic-jobs in project no-topic-proj");
  });
});

describe("publishJob deadline", () => {
  it("gives up with a clear error when Pub/Sub does not answer", { timeout: 30_000 }, async () => {
    const { publishJob } = await import("../../shared/client/pubsub-publish.ts");
    const before = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = "127.0.0.1:1"; // nothing listens on port 1
    try {
      await expect(publishJob({ image: "i:1" }, { project: "deadline-proj", timeoutMs: 500 })).rejects.toThrow(
        "cannot publish to topic kinetic-jobs in project deadline-proj: Pub/Sub did not accept the message within 0.5 s",
      );
    } finally {
      if (before === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = before;
    }
  });
});
