/**
 * Every environment variable a deployed function reads, declared once: which
 * functions read it, how it is validated, and how a deployment provides it —
 * infra sets it from the stack's config (`deploy: "infra"`), or it is
 * deliberately left at its default (`deploy: "default"`, with the reason).
 * infra/ builds each function's environment from this table and a test holds
 * infra to it, so a setting cannot be required at run time and forgotten at
 * deploy time (which is how every deployed call once answered 401).
 */
import { z } from "zod";
import { LabelSafeName } from "./schemas/job-spec-fields.ts";

/** Which deployed functions read a setting, by the role their trigger gives them. */
export const FUNCTION_ROLES = ["api", "push", "cron"] as const;
export type FunctionRole = (typeof FUNCTION_ROLES)[number];

export type DeployRule = { deploy: "infra" } | { deploy: "default"; why: string };

export type RuntimeSetting = DeployRule & {
  /** Validates the raw value; a schema without a default makes the setting required. */
  schema: z.ZodType;
  readBy: readonly FunctionRole[];
  doc: string;
};

const ALL = FUNCTION_ROLES;
const seconds = (def: number) => z.coerce.number().int().positive().default(def);
const list = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  );
const TUNABLE = "a tunable with a documented default; an operator may override it on the function";

export const RUNTIME_SETTINGS = {
  KINETIC_PROJECT: {
    schema: z.string().min(1),
    readBy: ALL,
    deploy: "infra",
    doc: "Project of Firestore, Pub/Sub and the cluster",
  },
  KINETIC_ZONE: { schema: z.string().min(1), readBy: ALL, deploy: "infra", doc: "Zone of the GKE cluster" },
  KINETIC_CLUSTER: { schema: z.string().min(1), readBy: ALL, deploy: "infra", doc: "Name of the GKE cluster" },
  KINETIC_KUBECONFIG: {
    schema: z.string().optional(),
    readBy: ALL,
    deploy: "default",
    why: "deployed functions find the cluster with the Container API (zone and cluster); a kubeconfig is for tests",
    doc: "Use this kubeconfig instead of finding the GKE cluster",
  },
  KINETIC_FIRESTORE_DATABASE: {
    schema: z.string().min(1).default("(default)"),
    readBy: ALL,
    deploy: "infra",
    doc: "Firestore database of this cluster's jobs (one per cluster, so clusters never mix)",
  },
  KINETIC_TOPIC_JOBS: {
    schema: z.string().min(1).default("kinetic-jobs"),
    readBy: ALL,
    deploy: "infra",
    doc: "Topic of job messages (per cluster)",
  },
  KINETIC_TOPIC_JOB_EVENTS: {
    schema: z.string().min(1).default("kinetic-job-events"),
    readBy: ALL,
    deploy: "infra",
    doc: "Topic of job lifecycle events (per cluster)",
  },
  KINETIC_DEFAULT_TTL_SECONDS: {
    schema: seconds(7 * 86_400),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "ttlSecondsAfterFinished for jobs that set none",
  },
  KINETIC_OUTPUT_DIR_BASE: {
    schema: z.string().min(1).default("/tmp/kinetic-output"),
    readBy: ALL,
    deploy: "infra",
    doc: "KINETIC_OUTPUT_DIR of a job is <base>/<job id> unless the job sets outputDir",
  },
  KINETIC_DEFAULT_QUEUE: {
    // Rendered into every job without a queue, unparsed: checked here like a spec's `queue`.
    schema: z.union([z.literal(""), LabelSafeName]).optional(),
    readBy: ALL,
    deploy: "infra",
    doc: "Kueue LocalQueue for jobs that name none (then they start suspended)",
  },
  KINETIC_NAMESPACE_POLICY: {
    schema: z.string().default('{"*":["default"]}'),
    readBy: ALL,
    deploy: "infra",
    doc: 'JSON map principal → namespace patterns ("team-*"); "*" applies to any caller, "pubsub" to job messages',
  },
  KINETIC_UNSCHEDULABLE_TIMEOUT_SECONDS: {
    schema: seconds(3_600),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "A job unschedulable this long fails",
  },
  KINETIC_QUEUE_TIMEOUT_SECONDS: {
    schema: seconds(86_400),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "A job waiting in a Kueue queue this long fails",
  },
  KINETIC_SUBMIT_MAX_AGE_SECONDS: {
    schema: seconds(3_600),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "A submit message older than this is rejected (Expired) rather than started late",
  },
  KINETIC_RESUBMIT_AFTER_SECONDS: {
    schema: seconds(60),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "QUEUED jobs whose cluster create failed are retried by syncJobs after this long",
  },
  KINETIC_RETENTION_DAYS: {
    schema: seconds(30),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "Finished job records expire after this many days",
  },
  KINETIC_CLUSTER_TIMEOUT_SECONDS: {
    schema: seconds(30),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "Limit per Kubernetes API request",
  },
  KINETIC_LOG_LEVEL: {
    schema: z.string().default("INFO"),
    readBy: ALL,
    deploy: "default",
    why: TUNABLE,
    doc: "DEBUG, INFO, WARNING, ERROR or FATAL",
  },
  KINETIC_SCHEDULER_PRINCIPALS: {
    schema: list,
    readBy: ["cron"],
    deploy: "infra",
    doc: "Principals (Cloud Scheduler's service account) that may name a tick's schedule time",
  },
  KINETIC_AUTH_AUDIENCES: {
    schema: list,
    readBy: ALL,
    deploy: "infra",
    doc: "Accepted `aud` of Google ID tokens: the function's own URL (the audience of its Scheduler job or push subscription)",
  },
  KINETIC_AUTH_ALLOWED: {
    schema: list,
    readBy: ALL,
    deploy: "infra",
    doc: 'Identities a Google ID token may carry: emails, "domain:example.com", or "*" for any (IAM checks groups)',
  },
  KINETIC_API_TOKENS: {
    schema: z.string().optional(),
    readBy: ALL,
    deploy: "default",
    why: "static tokens are for local mode and CI; deployed functions accept Google ID tokens only",
    doc: "name=token,… static bearer tokens",
  },
  KINETIC_TEST_GOOGLE_CERTS_URL: {
    schema: z.string().optional(),
    readBy: ALL,
    deploy: "default",
    why: "test only: production trusts Google's certificates alone",
    doc: "A loopback URL serving the certificates that sign test ID tokens",
  },
} as const satisfies Record<string, RuntimeSetting>;

export type RuntimeSettingName = keyof typeof RUNTIME_SETTINGS;

/** The settings a function with this role reads. */
export function settingsReadBy(role: FunctionRole): RuntimeSettingName[] {
  return (Object.keys(RUNTIME_SETTINGS) as RuntimeSettingName[]).filter((name) =>
    (RUNTIME_SETTINGS[name].readBy as readonly FunctionRole[]).includes(role),
  );
}

/** True when the runtime cannot start without the setting (its schema has no default). */
export function isRequired(name: RuntimeSettingName): boolean {
  return !RUNTIME_SETTINGS[name].schema.safeParse(undefined).success;
}

/** Environment variables that are not Kinetic settings but the platform's (set by infra, read by Node). */
export const PLATFORM_ENV = ["NODE_ENV", "NODE_OPTIONS"] as const;
