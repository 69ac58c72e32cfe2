/**
 * Operator configuration for the deployed functions, read once from the
 * environment and validated, so a typo in a deploy variable fails loudly at
 * start instead of silently changing behaviour.
 */
import { z } from "zod";
import { KineticError } from "./errors.ts";
import { RUNTIME_SETTINGS as S } from "./runtime-settings.ts";

// The subset the domain reads; each schema (and its default) is declared once in runtime-settings.ts.
const RuntimeEnv = z.object({
  KINETIC_DEFAULT_TTL_SECONDS: S.KINETIC_DEFAULT_TTL_SECONDS.schema,
  KINETIC_OUTPUT_DIR_BASE: S.KINETIC_OUTPUT_DIR_BASE.schema,
  KINETIC_DEFAULT_QUEUE: S.KINETIC_DEFAULT_QUEUE.schema,
  KINETIC_NAMESPACE_POLICY: S.KINETIC_NAMESPACE_POLICY.schema,
  KINETIC_UNSCHEDULABLE_TIMEOUT_SECONDS: S.KINETIC_UNSCHEDULABLE_TIMEOUT_SECONDS.schema,
  KINETIC_QUEUE_TIMEOUT_SECONDS: S.KINETIC_QUEUE_TIMEOUT_SECONDS.schema,
  KINETIC_SUBMIT_MAX_AGE_SECONDS: S.KINETIC_SUBMIT_MAX_AGE_SECONDS.schema,
  KINETIC_RESUBMIT_AFTER_SECONDS: S.KINETIC_RESUBMIT_AFTER_SECONDS.schema,
  KINETIC_RETENTION_DAYS: S.KINETIC_RETENTION_DAYS.schema,
  KINETIC_SCHEDULER_PRINCIPALS: S.KINETIC_SCHEDULER_PRINCIPALS.schema,
});

// Where this cluster's data lives: its Firestore database and topics (per cluster, set by infra).
const WiringEnv = z.object({
  KINETIC_FIRESTORE_DATABASE: S.KINETIC_FIRESTORE_DATABASE.schema,
  KINETIC_TOPIC_JOBS: S.KINETIC_TOPIC_JOBS.schema,
  KINETIC_TOPIC_JOB_EVENTS: S.KINETIC_TOPIC_JOB_EVENTS.schema,
  KINETIC_TOPIC_TUNING: S.KINETIC_TOPIC_TUNING.schema,
  KINETIC_TOPIC_BUILDS: S.KINETIC_TOPIC_BUILDS.schema,
  KINETIC_TOPIC_CLOUD_BUILDS: S.KINETIC_TOPIC_CLOUD_BUILDS.schema,
});

export interface Wiring {
  projectId?: string;
  databaseId: string;
  topics: { jobs: string; jobEvents: string; tuning: string; builds: string; cloudBuilds: string };
}

/** The deployment's wiring: project, Firestore database and topic names. */
export function loadWiring(env: NodeJS.ProcessEnv = process.env): Wiring {
  const e = parseEnv(WiringEnv, env);
  const projectId = env.KINETIC_PROJECT || env.GOOGLE_CLOUD_PROJECT;
  return {
    ...(projectId ? { projectId } : {}),
    databaseId: e.KINETIC_FIRESTORE_DATABASE,
    topics: {
      jobs: e.KINETIC_TOPIC_JOBS,
      jobEvents: e.KINETIC_TOPIC_JOB_EVENTS,
      tuning: e.KINETIC_TOPIC_TUNING,
      builds: e.KINETIC_TOPIC_BUILDS,
      cloudBuilds: e.KINETIC_TOPIC_CLOUD_BUILDS,
    },
  };
}

function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
  throw new KineticError(
    "invalid-argument",
    `invalid Kinetic configuration: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { issues },
  );
}

const NamespacePolicy = z.record(z.string(), z.array(z.string().min(1)));
export type NamespacePolicy = z.infer<typeof NamespacePolicy>;

export interface RuntimeConfig {
  defaultTtlSeconds: number;
  outputDirBase: string;
  defaultQueue?: string;
  namespacePolicy: NamespacePolicy;
  unschedulableTimeoutSeconds: number;
  queueTimeoutSeconds: number;
  submitMaxAgeSeconds: number;
  resubmitAfterSeconds: number;
  retentionDays: number;
  /** Who may send X-CloudScheduler-ScheduleTime (Cloud Scheduler's service account). */
  schedulers: string[];
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const e = parseEnv(RuntimeEnv, env);
  let policy: unknown;
  try {
    policy = JSON.parse(e.KINETIC_NAMESPACE_POLICY);
  } catch {
    throw new KineticError("invalid-argument", "KINETIC_NAMESPACE_POLICY is not valid JSON", {
      issues: [
        { field: "KINETIC_NAMESPACE_POLICY", message: "expected a JSON object of principal → namespace patterns" },
      ],
    });
  }
  const ns = NamespacePolicy.safeParse(policy);
  if (!ns.success) {
    throw new KineticError(
      "invalid-argument",
      "KINETIC_NAMESPACE_POLICY must map principals to arrays of namespace patterns",
      {
        issues: [{ field: "KINETIC_NAMESPACE_POLICY", message: ns.error.issues[0]?.message ?? "invalid" }],
      },
    );
  }
  return {
    defaultTtlSeconds: e.KINETIC_DEFAULT_TTL_SECONDS,
    outputDirBase: e.KINETIC_OUTPUT_DIR_BASE,
    ...(e.KINETIC_DEFAULT_QUEUE ? { defaultQueue: e.KINETIC_DEFAULT_QUEUE } : {}),
    namespacePolicy: ns.data,
    unschedulableTimeoutSeconds: e.KINETIC_UNSCHEDULABLE_TIMEOUT_SECONDS,
    queueTimeoutSeconds: e.KINETIC_QUEUE_TIMEOUT_SECONDS,
    submitMaxAgeSeconds: e.KINETIC_SUBMIT_MAX_AGE_SECONDS,
    resubmitAfterSeconds: e.KINETIC_RESUBMIT_AFTER_SECONDS,
    retentionDays: e.KINETIC_RETENTION_DAYS,
    schedulers: e.KINETIC_SCHEDULER_PRINCIPALS,
  };
}
