/**
 * The deploy declaration: one entry per Cloud Function with its trigger,
 * roles, topics and limits. infra/ deploys from this list and its tests
 * assert against it, so a new function is declared exactly once.
 */
import type { TopicKey } from "../shared/bus/topics.ts";

export type Trigger =
  | {
      kind: "pubsub";
      topic: TopicKey;
      /** More topics pushed to the function, each by its own push subscription with the same delivery settings. */
      alsoTopics?: TopicKey[];
      maxDeliveryAttempts: number;
      minBackoffSeconds: number;
      maxBackoffSeconds: number;
    }
  | { kind: "http"; public: boolean }
  | { kind: "schedule"; schedule: string; timeZone: string };

/** Every topic a Pub/Sub trigger delivers, its own first. */
/** Every push subscription's delivery: 10 attempts with 10–600 s backoff, then the dead-letter topic. */
const PUSH_DELIVERY = { maxDeliveryAttempts: 10, minBackoffSeconds: 10, maxBackoffSeconds: 600 } as const;

export function triggerTopics(trigger: Extract<Trigger, { kind: "pubsub" }>): TopicKey[] {
  return [trigger.topic, ...(trigger.alsoTopics ?? [])];
}

export interface FunctionSpec {
  /** Cloud Function name and functions-framework target. */
  name: string;
  /** Module that registers the function (relative to the repo root). */
  source: string;
  signature: "cloudevent" | "http";
  trigger: Trigger;
  /** Project-level roles the runtime service account gets (never primitive roles). */
  roles: string[];
  /** Topics the function publishes to (publisher is granted on these only). */
  publishes: TopicKey[];
  /** Needs Kubernetes access on the cluster. */
  cluster: boolean;
  timeoutSeconds: number;
  memory: string;
  maxInstances: number;
  concurrency: number;
}

export const FUNCTIONS: FunctionSpec[] = [
  {
    name: "submitJob",
    source: "functions/submit-job/index.ts",
    // Pub/Sub pushes to the function's URL with an OIDC token, which only an HTTP function can check.
    signature: "http",
    trigger: { kind: "pubsub", topic: "jobs", ...PUSH_DELIVERY },
    // artifactregistry.reader: the up-to-date check of a job's build asks the registry.
    roles: ["roles/datastore.user", "roles/artifactregistry.reader"],
    // builds: a job naming a build that nobody built yet starts it (build.run for buildImage).
    publishes: ["builds"],
    cluster: true,
    timeoutSeconds: 120,
    memory: "512Mi",
    maxInstances: 20,
    concurrency: 40,
  },
  {
    name: "api",
    source: "functions/api/index.ts",
    signature: "http",
    trigger: { kind: "http", public: false },
    // artifactregistry.reader: the up-to-date check of a job's build asks the registry; monitoring.viewer: the
    // dashboard's per-device utilization (GET /utilization) reads Google Managed Prometheus as checkUtilization does.
    roles: ["roles/datastore.user", "roles/artifactregistry.reader", "roles/monitoring.viewer"],
    // jobs: `POST /jobs`; tuning: `POST /studies` records the study and leaves the fan-out to tuneStudy.
    publishes: ["jobs", "tuning", "builds"],
    cluster: true,
    timeoutSeconds: 300,
    memory: "512Mi",
    maxInstances: 10,
    concurrency: 40,
  },
  {
    name: "syncJobs",
    source: "functions/sync-jobs/index.ts",
    signature: "http",
    trigger: { kind: "schedule", schedule: "* * * * *", timeZone: "Etc/UTC" },
    // artifactregistry.reader: the up-to-date check of a job's build asks the registry.
    roles: ["roles/datastore.user", "roles/artifactregistry.reader"],
    // builds: the backstop publishes build.run again for a build nobody runs.
    publishes: ["jobEvents", "builds"],
    cluster: true,
    timeoutSeconds: 240,
    memory: "512Mi",
    maxInstances: 1,
    concurrency: 1,
  },
  {
    name: "cleanupTtl",
    source: "functions/cleanup-ttl/index.ts",
    signature: "http",
    trigger: { kind: "schedule", schedule: "*/15 * * * *", timeZone: "Etc/UTC" },
    roles: ["roles/datastore.user"],
    publishes: [],
    cluster: true,
    timeoutSeconds: 540,
    memory: "512Mi",
    maxInstances: 1,
    concurrency: 1,
  },
  {
    name: "checkUtilization",
    source: "functions/check-utilization/index.ts",
    signature: "http",
    // Every minute, as KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL's default: windows are judged a minute apart.
    trigger: { kind: "schedule", schedule: "* * * * *", timeZone: "Etc/UTC" },
    // monitoring.viewer: PromQL reads of Google Managed Prometheus (DCGM and GKE's TPU metrics).
    roles: ["roles/datastore.user", "roles/monitoring.viewer"],
    // It publishes job.finished for the jobs it stops.
    publishes: ["jobEvents"],
    cluster: true,
    timeoutSeconds: 240,
    memory: "512Mi",
    maxInstances: 1,
    concurrency: 1,
  },
  {
    name: "tuneStudy",
    source: "functions/tune-study/index.ts",
    signature: "http",
    // study.create / study.drive on the tuning topic; the job-events topic's job.finished ends trials.
    trigger: {
      kind: "pubsub",
      topic: "tuning",
      alsoTopics: ["jobEvents"],
      ...PUSH_DELIVERY,
    },
    roles: ["roles/datastore.user"],
    publishes: [],
    cluster: true,
    // A 1,000-trial fan-out is one delivery: submits at bounded concurrency; a redelivery continues it.
    timeoutSeconds: 540,
    memory: "512Mi",
    maxInstances: 10,
    concurrency: 40,
  },
  {
    name: "pushHook",
    source: "functions/push-hook/index.ts",
    signature: "http",
    // GitHub and GitLab cannot send OIDC tokens: each delivery is authenticated by its repository's secret
    // (X-Hub-Signature-256 / X-Gitlab-Token), checked over the raw body before it is parsed.
    trigger: { kind: "http", public: true },
    // Secret Manager access is granted on the push-hook secrets only (infra/hook-secrets.ts), not project-wide.
    // artifactregistry.reader: the up-to-date check of the pushed commit's build asks the registry.
    roles: ["roles/datastore.user", "roles/artifactregistry.reader"],
    // builds: build.run for a build the push started; the job file's jobs are submitted (and wait) from here.
    publishes: ["builds"],
    cluster: true,
    timeoutSeconds: 540,
    memory: "1Gi",
    maxInstances: 10,
    concurrency: 20,
  },
  {
    name: "buildImage",
    source: "functions/build-image/index.ts",
    signature: "http",
    // build.run messages; the build's end then wakes the jobs waiting on it (their workloads are created here).
    trigger: {
      kind: "pubsub",
      topic: "builds",
      ...PUSH_DELIVERY,
    },
    // Cloud Build: create builds (run as the build service account, see infra); the registry: the up-to-date check.
    roles: ["roles/datastore.user", "roles/cloudbuild.builds.editor", "roles/artifactregistry.reader"],
    publishes: [],
    cluster: true,
    // Cloud Build only starts here (seconds); an in-process builder (crane, local mode) runs within it.
    timeoutSeconds: 540,
    memory: "1Gi",
    maxInstances: 10,
    concurrency: 10,
  },
  {
    name: "cloudBuilds",
    source: "functions/cloud-builds/index.ts",
    signature: "http",
    // Cloud Build's status notifications for the cluster's builds (their options.pubsubTopic names this topic).
    trigger: {
      kind: "pubsub",
      topic: "cloudBuilds",
      ...PUSH_DELIVERY,
    },
    roles: ["roles/datastore.user"],
    publishes: [],
    // A finished build wakes its jobs: their workloads are created here.
    cluster: true,
    timeoutSeconds: 300,
    memory: "512Mi",
    maxInstances: 10,
    concurrency: 40,
  },
];

/**
 * Firestore TTL policies: the record is deleted some time (usually < 24 h)
 * after this Timestamp field passes. infra/ enables one policy per entry.
 */
export const TTL_POLICIES = [
  { collection: "jobs", field: "expireAt" },
  { collection: "cleanupRuns", field: "expireAt" },
  { collection: "utilizationRuns", field: "expireAt" },
  // Studies and their trials: retention after they finish (state-record.ts); tuning poison: after it was recorded.
  { collection: "studies", field: "expireAt" },
  { collection: "studyTrials", field: "expireAt" },
  { collection: "studyHistory", field: "expireAt" },
  { collection: "tuningPoison", field: "expireAt" },
  // Push-hook delivery dedupe: forges redeliver for days, not forever (delivery-ledger.ts).
  { collection: "webhookDeliveries", field: "expireAt" },
  // Build records: retention after they end (state-record.ts); build poison: after it was recorded.
  { collection: "builds", field: "expireAt" },
  { collection: "buildPoison", field: "expireAt" },
] as const;
