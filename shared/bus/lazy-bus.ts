/**
 * An EventBus whose backend is built on the first publish: of the functions,
 * only syncJobs publishes, so the others never load the Pub/Sub client library
 * (about 1.1 s of a cold start). Must not import that library.
 */
import type { EventBus } from "./event-bus.ts";
import type { TopicKey } from "./topics.ts";

export function lazyBus(load: () => Promise<EventBus>): EventBus {
  let backend: Promise<EventBus> | undefined;
  return {
    async publish(topic: TopicKey, data: unknown, attributes?: Record<string, string>): Promise<string> {
      backend ??= load().catch((err: unknown) => {
        backend = undefined;
        throw err;
      });
      return (await backend).publish(topic, data, attributes);
    },
  };
}
