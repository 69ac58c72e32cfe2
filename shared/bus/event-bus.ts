/**
 * Publishing Kinetic's events. Handlers publish only after their Firestore
 * commit, and consumers dedupe, so a publish retried after a crash is safe.
 */
import { PubSub } from "@google-cloud/pubsub";
import { TOPICS, type TopicKey } from "./topics.ts";

// The schema lives apart so that parsing it never loads the Pub/Sub library.
export { JobFinishedEvent } from "./job-events.ts";

export interface EventBus {
  /** Publishes JSON data; resolves to the message id. */
  publish(topic: TopicKey, data: unknown, attributes?: Record<string, string>): Promise<string>;
}

export class PubSubBus implements EventBus {
  private readonly pubsub: PubSub;
  private readonly topicNames: Record<TopicKey, string>;

  constructor(options: { projectId?: string; topicNames?: Partial<Record<TopicKey, string>> } = {}) {
    this.pubsub = new PubSub(options.projectId ? { projectId: options.projectId } : {});
    this.topicNames = { ...TOPICS, ...options.topicNames };
  }

  topicName(topic: TopicKey): string {
    return this.topicNames[topic];
  }

  async publish(topic: TopicKey, data: unknown, attributes: Record<string, string> = {}): Promise<string> {
    return this.pubsub.topic(this.topicNames[topic]).publishMessage({ json: data, attributes });
  }

  async close(): Promise<void> {
    await this.pubsub.close();
  }
}

/** An in-memory bus for unit tests of the domain (records what was published). */
export class RecordingBus implements EventBus {
  readonly messages: { topic: TopicKey; data: unknown; attributes: Record<string, string> }[] = [];
  async publish(topic: TopicKey, data: unknown, attributes: Record<string, string> = {}): Promise<string> {
    this.messages.push({ topic, data, attributes });
    return String(this.messages.length);
  }
}
