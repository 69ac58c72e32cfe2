/**
 * Pub/Sub: every topic in shared/bus/topics.ts gets a dead-letter topic with its own
 * pull subscription (messages sent to a topic without one are lost). Every
 * delivery subscription is a push subscription we own, so its retry policy
 * (exponential backoff) and dead-letter policy come from the deploy declaration.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { FUNCTIONS, triggerTopics, type FunctionSpec } from "../functions/deploy.ts";
import { TOPICS, deadLetterTopicName, type TopicKey } from "../shared/bus/topics.ts";
import type { InfraConfig } from "./config.ts";
import { member, type Identities } from "./iam.ts";
import { topicName } from "../shared/config/deployment-names.ts";
import { functionSlug } from "./naming.ts";

/** The cluster's own topic names: kinetic-{tag}-jobs, kinetic-{tag}-job-events. */
export function clusterTopics(cfg: InfraConfig): Record<TopicKey, string> {
  return Object.fromEntries(
    (Object.keys(TOPICS) as TopicKey[]).map((key) => [key, topicName(cfg.cluster, TOPICS[key])]),
  ) as Record<TopicKey, string>;
}

export interface TopicSet {
  topic: gcp.pubsub.Topic;
  deadLetter: gcp.pubsub.Topic;
  deadLetterSubscription: gcp.pubsub.Subscription;
}

/** Pub/Sub's limits: 5–100 attempts, backoff 0–600 s (serverless.md §1.3–1.4). */
export function checkPubsubTrigger(spec: FunctionSpec): void {
  if (spec.trigger.kind !== "pubsub") return;
  const t = spec.trigger;
  const where = `functions/deploy.ts: function ${spec.name}`;
  if (!Number.isInteger(t.maxDeliveryAttempts) || t.maxDeliveryAttempts < 5 || t.maxDeliveryAttempts > 100) {
    throw new Error(`${where}: maxDeliveryAttempts must be an integer in 5-100, got ${t.maxDeliveryAttempts}`);
  }
  if (t.minBackoffSeconds < 0 || t.maxBackoffSeconds > 600 || t.minBackoffSeconds > t.maxBackoffSeconds) {
    throw new Error(`${where}: backoff must satisfy 0 <= min <= max <= 600 seconds`);
  }
}

export function createTopics(cfg: InfraConfig, ids: Identities, dependsOn: pulumi.Resource[]): Map<TopicKey, TopicSet> {
  const sets = new Map<TopicKey, TopicSet>();
  const names = clusterTopics(cfg);
  for (const key of Object.keys(TOPICS) as TopicKey[]) {
    const name = names[key];
    const topic = new gcp.pubsub.Topic(`topic-${key}`, { project: cfg.project, name }, { dependsOn });
    const deadLetter = new gcp.pubsub.Topic(
      `topic-${key}-dlq`,
      { project: cfg.project, name: deadLetterTopicName(name) },
      { dependsOn },
    );
    const deadLetterSubscription = new gcp.pubsub.Subscription(`sub-${key}-dlq`, {
      project: cfg.project,
      name: `${deadLetterTopicName(name)}-sub`,
      topic: deadLetter.id,
      // Dead letters are kept for inspection and replay: the maximum retention, never expiring.
      messageRetentionDuration: "604800s",
      expirationPolicy: { ttl: "" },
    });
    // The service agent forwards undeliverable messages: publish on the DLQ only.
    new gcp.pubsub.TopicIAMMember(`topic-${key}-dlq-agent-publisher`, {
      project: cfg.project,
      topic: deadLetter.name,
      role: "roles/pubsub.publisher",
      member: ids.pubsubAgent,
    });
    sets.set(key, { topic, deadLetter, deadLetterSubscription });
  }
  // Publishers: each function on exactly the topics the deploy declaration says it publishes.
  for (const spec of FUNCTIONS) {
    const sa = ids.runtime.get(spec.name);
    if (!sa) continue;
    for (const key of spec.publishes) {
      const set = sets.get(key);
      if (!set) throw new Error(`functions/deploy.ts: function ${spec.name} publishes to unknown topic ${key}`);
      new gcp.pubsub.TopicIAMMember(`topic-${key}-publisher-${functionSlug(spec)}`, {
        project: cfg.project,
        topic: set.topic.name,
        role: "roles/pubsub.publisher",
        member: member(sa),
      });
    }
  }
  return sets;
}

/**
 * The push subscriptions that deliver a function's topics to it (its trigger's
 * topic, then `alsoTopics`), each OIDC-authenticated as the push invoker, with
 * exponential backoff, dead-lettered after N attempts to its topic's DLQ.
 */
export function createPushSubscriptions(
  cfg: InfraConfig,
  spec: FunctionSpec,
  topics: Map<TopicKey, TopicSet>,
  ids: Identities,
  url: pulumi.Output<string>,
  audience: string,
): gcp.pubsub.Subscription[] {
  if (spec.trigger.kind !== "pubsub") throw new Error(`function ${spec.name} is not Pub/Sub-triggered`);
  checkPubsubTrigger(spec);
  const t = spec.trigger;
  return triggerTopics(t).map((key, i) => {
    const set = topics.get(key);
    if (!set) throw new Error(`functions/deploy.ts: function ${spec.name} subscribes to unknown topic ${key}`);
    // The trigger's own topic keeps the resource name it always had.
    return pushSubscription(cfg, spec, set, ids, url, audience, key, i === 0 ? "" : `-${key}`);
  });
}

function pushSubscription(
  cfg: InfraConfig,
  spec: FunctionSpec,
  set: TopicSet,
  ids: Identities,
  url: pulumi.Output<string>,
  audience: string,
  topic: TopicKey,
  suffix: string,
): gcp.pubsub.Subscription {
  if (spec.trigger.kind !== "pubsub") throw new Error(`function ${spec.name} is not Pub/Sub-triggered`);
  const t = spec.trigger;
  const slug = `${functionSlug(spec)}${suffix}`;
  const subscription = new gcp.pubsub.Subscription(`sub-${slug}`, {
    project: cfg.project,
    name: `${clusterTopics(cfg)[topic]}-${functionSlug(spec)}`,
    topic: set.topic.id,
    // A push outliving the ack deadline is redelivered while still running: match the function timeout.
    ackDeadlineSeconds: Math.min(600, Math.max(10, spec.timeoutSeconds)),
    pushConfig: {
      pushEndpoint: url,
      // The audience is the function's stable URL, which the function is told to accept (function-env.ts).
      oidcToken: { serviceAccountEmail: ids.pushInvoker.email, audience },
    },
    retryPolicy: { minimumBackoff: `${t.minBackoffSeconds}s`, maximumBackoff: `${t.maxBackoffSeconds}s` },
    deadLetterPolicy: { deadLetterTopic: set.deadLetter.id, maxDeliveryAttempts: t.maxDeliveryAttempts },
    expirationPolicy: { ttl: "" },
  });
  // Dead-lettering needs the service agent to ack on the source subscription.
  new gcp.pubsub.SubscriptionIAMMember(`sub-${slug}-agent-subscriber`, {
    project: cfg.project,
    subscription: subscription.name,
    role: "roles/pubsub.subscriber",
    member: ids.pubsubAgent,
  });
  return subscription;
}
