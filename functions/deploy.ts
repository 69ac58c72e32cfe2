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
      maxDeliveryAttempts: number;
      minBackoffSeconds: number;
      maxBackoffSeconds: number;
    }
  | { kind: "http"; public: boolean }
  | { kind: "schedule"; schedule: string; timeZone: string };

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
    trigger: { kind: "pubsub", topic: "jobs", maxDeliveryAttempts: 10, minBackoffSeconds: 10, maxBackoffSeconds: 600 },
    roles: ["roles/datastore.user"],
    publishes: [],
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
    roles: ["roles/datastore.user"],
    publishes: ["jobs"],
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
    roles: ["roles/datastore.user"],
    publishes: ["jobEvents"],
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
];

/**
 * Firestore TTL policies: the record is deleted some time (usually < 24 h)
 * after this Timestamp field passes. infra/ enables one policy per entry.
 */
export const TTL_POLICIES = [
  { collection: "jobs", field: "expireAt" },
  { collection: "cleanupRuns", field: "expireAt" },
] as const;
