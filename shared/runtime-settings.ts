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
  KINETIC_TOPIC_TUNING: {
    schema: z.string().min(1).default("kinetic-tuning"),
    readBy: ALL,
    deploy: "infra",
    doc: "Topic of tuning-study messages for tuneStudy (per cluster)",
  },
  KINETIC_TOPIC_BUILDS: {
    schema: z.string().min(1).default("kinetic-builds"),
    readBy: ALL,
    deploy: "infra",
    doc: "Topic of build.run messages for buildImage (per cluster)",
  },
  KINETIC_TOPIC_CLOUD_BUILDS: {
    schema: z.string().min(1).default("kinetic-cloud-builds"),
    readBy: ALL,
    deploy: "infra",
    doc: "Topic Kinetic's Cloud Builds publish their status on (options.pubsubTopic), for cloudBuilds (per cluster)",
  },
  // Every function that may request a build reads the builder: its recipe is part of every build key.
  KINETIC_BUILDER: {
    schema: z.enum(["none", "crane", "cloud-build"]).default("none"),
    readBy: ALL,
    deploy: "infra",
    doc: "Image builder of jobs that name a build: cloud-build (deployed), crane (local mode, tests) or none",
  },
  KINETIC_BUILD_REPOSITORY: {
    schema: z.string().min(1).optional(),
    readBy: ALL,
    deploy: "infra",
    doc: "Registry path built images are pushed to when a build names no repository (<registry>/<path>)",
  },
  KINETIC_BUILD_SOURCE_BUCKET: {
    schema: z.string().min(1).optional(),
    readBy: ALL,
    deploy: "infra",
    doc: "Cloud Storage bucket of Cloud Build source archives (kinetic-builds/<key>.tar.gz)",
  },
  KINETIC_BUILD_SERVICE_ACCOUNT: {
    schema: z.string().min(1).optional(),
    readBy: ALL,
    deploy: "infra",
    doc: "Service account (email) Cloud Builds run as: it pushes to the repository and reads the sources",
  },
  KINETIC_CRANE_PATH: {
    schema: z.string().min(1).optional(),
    readBy: ALL,
    deploy: "default",
    why: "crane builds only in local mode and tests; deployed functions build with Cloud Build",
    doc: "The crane binary for KINETIC_BUILDER=crane",
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
    doc: "Output prefix of jobs that set no outputDir: KINETIC_OUTPUT_DIR is <prefix>/<namespace>/<job id>/ (deployed: the outputs bucket; a local folder in local mode)",
  },
  KINETIC_DEFAULT_QUEUE: {
    // Rendered into every job without a queue, unparsed: checked here like a spec's `queue`.
    schema: z.union([z.literal(""), LabelSafeName]).optional(),
    readBy: ALL,
    deploy: "infra",
    doc: "Set (any name; infra sets the one it creates): jobs that name no queue go through Kueue, to the LocalQueue named by the operator config's defaultClusterQueueName. Unset: they run without Kueue",
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
  // Startup-only monitoring settings (Kaiwo's RESOURCE_MONITORING_*): the live ones are in the operator config.
  KINETIC_RESOURCE_MONITORING_ENABLED: {
    schema: z
      .enum(["true", "false", "1", "0", ""])
      .default("false")
      .transform((v) => v === "true" || v === "1"),
    readBy: ["api", "cron"],
    deploy: "default",
    why: TUNABLE,
    doc: "Run utilization checks (checkUtilization) and read per-device metrics for the dashboard (api); off by default as in Kaiwo",
  },
  KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT: {
    schema: z.url().optional(),
    readBy: ["api", "cron"],
    deploy: "default",
    why: "unset means Google Managed Prometheus of KINETIC_PROJECT; a URL is for a self-run Prometheus or tests",
    doc: "PromQL HTTP API base URL (e.g. http://127.0.0.1:9090)",
  },
  KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL: {
    schema: z
      .string()
      .regex(/^([0-9]+(s|m|h))+$/, 'a duration like "30s", "1m"')
      .default("1m"),
    readBy: ["api", "cron"],
    deploy: "default",
    why: TUNABLE,
    doc: "How often utilization is sampled: the step of the PromQL range queries",
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
  KINETIC_HOOK_SECRETS: {
    schema: z.enum(["firestore", "secret-manager"]).default("firestore"),
    readBy: ["api"],
    deploy: "infra",
    doc: "Where push-hook secrets live: Secret Manager (deployed; one secret per repository) or Firestore (local mode)",
  },
  KINETIC_HOOK_URL: {
    schema: z.string().url().optional(),
    readBy: ["api"],
    deploy: "infra",
    doc: "The pushHook function's URL; `kinetic repos add` prints <it>/hooks/<id> as the webhook URL",
  },
  KINETIC_BUILD_DIR_CONTEXTS: {
    schema: z.enum(["true", "false"]).default("false"),
    readBy: ["api"],
    deploy: "default",
    why: "local mode only: a deployed function cannot read the caller's disk",
    doc: "POST /builds accepts a `dir` context (a path on the API's machine); `npm start` sets it",
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
