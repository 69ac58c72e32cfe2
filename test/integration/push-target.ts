/**
 * Serves a registered CloudEvent function on 127.0.0.1 behind a recording
 * proxy, and wires a Pub/Sub emulator push subscription to it: the real
 * event path (publish → emulator push → functions-framework → handler).
 * The proxy can answer 500 after the handler ran, to make the emulator
 * redeliver the very same message (a lost ack), and can hand one delivery
 * to the function several times at once (Pub/Sub delivering one message to
 * several instances concurrently).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PubSub } from "@google-cloud/pubsub";
import { getTestServer } from "@google-cloud/functions-framework/testing";

export interface Delivery {
  messageId: string;
  status: number;
}

export interface PushTarget {
  topic: string;
  pubsub: PubSub;
  deliveries: Delivery[];
  /** How many deliveries of each message are answered 500 (after the handler ran) before one is acked. */
  failFirstDeliveries: number;
  /** Copies of each delivery handed to the function concurrently (1 = as received). */
  concurrentCopies: number;
  publish(data: unknown, attributes?: Record<string, string>): Promise<string>;
  publishRaw(data: Buffer, attributes?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );

export async function servePushTarget(functionName: string, project: string, topicName: string): Promise<PushTarget> {
  const fn = getTestServer(functionName);
  const fnPort = await listen(fn);
  const deliveries: Delivery[] = [];
  const seen = new Map<string, number>();
  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    let messageId = "?";
    try {
      messageId = (JSON.parse(body.toString()) as { message?: { messageId?: string } }).message?.messageId ?? "?";
    } catch {
      /* not JSON: forwarded as is */
    }
    const forward = async () => {
      const upstream = await fetch(`http://127.0.0.1:${fnPort}${req.url}`, {
        method: req.method ?? "POST",
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        body,
      });
      await upstream.arrayBuffer();
      return upstream.status;
    };
    const statuses = await Promise.all(Array.from({ length: Math.max(1, target.concurrentCopies) }, forward));
    const n = (seen.get(messageId) ?? 0) + 1;
    seen.set(messageId, n);
    // Acked when any copy was: that is when Pub/Sub stops redelivering.
    const upstreamStatus = statuses.find((st) => st < 300) ?? statuses[0]!;
    const status = n <= target.failFirstDeliveries ? 500 : upstreamStatus;
    deliveries.push({ messageId, status });
    res.writeHead(status).end();
  });
  const proxyPort = await listen(proxy);

  const pubsub = new PubSub({ projectId: project });
  const [topic] = await pubsub.createTopic(topicName);
  await topic.createSubscription(`${topicName}-push`, {
    pushConfig: { pushEndpoint: `http://127.0.0.1:${proxyPort}/projects/${project}/topics/${topicName}` },
    ackDeadlineSeconds: 10,
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } },
  });
  const target: PushTarget = {
    topic: topicName,
    pubsub,
    deliveries,
    failFirstDeliveries: 0,
    concurrentCopies: 1,
    publish: (data, attributes = {}) => topic.publishMessage({ json: data, attributes }),
    publishRaw: (data, attributes = {}) => topic.publishMessage({ data, attributes }),
    async close() {
      await pubsub
        .subscription(`${topicName}-push`)
        .delete()
        .catch(() => undefined);
      await topic.delete().catch(() => undefined);
      await pubsub.close();
      await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => fn.close(r))]);
    },
  };
  return target;
}
