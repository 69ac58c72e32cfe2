/**
 * Each deployed function's environment, built from the runtime settings
 * declaration (shared/runtime-settings.ts) and the stack's config: every
 * setting a function reads that the declaration marks `deploy: "infra"` has a
 * provider here (the type below does not compile without one), and nothing
 * else is set. Authentication is per function: its own stable URL is the only
 * audience it accepts (the API also accepts gcloud's, see below), and the
 * identities it allows follow its trigger.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FunctionSpec } from "../functions/deploy.ts";
import type { TopicKey } from "../shared/bus/topics.ts";
import {
  PLATFORM_ENV,
  RUNTIME_SETTINGS,
  settingsReadBy,
  type FunctionRole,
  type RuntimeSettingName,
} from "../shared/runtime-settings.ts";
import type { InfraConfig } from "./config.ts";
import { LOCAL_QUEUE } from "./queue-names.ts";
import { buildRepository, buildServiceAccount, buildSourceBucket } from "./builds.ts";
import { functionName, functionUrl } from "../shared/config/deployment-names.ts";

/**
 * The audience of `gcloud auth print-identity-token` for a user account (gcloud's
 * OAuth client id): users cannot mint a token for another audience, and the
 * CLI's default token is this one. Only the API accepts it, and only from the
 * identities it allows.
 */
export const GCLOUD_AUDIENCE = "32555940559.apps.googleusercontent.com";

export interface EnvContext {
  cfg: InfraConfig;
  spec: FunctionSpec;
  /** The function's stable URL: the audience of its Scheduler job or push subscription. */
  audience: string;
  scheduler: pulumi.Input<string>;
  pushInvoker: pulumi.Input<string>;
  topics: Record<TopicKey, string>;
  database: string;
  outputDirBase: string;
}

export function roleOf(spec: FunctionSpec): FunctionRole {
  switch (spec.trigger.kind) {
    case "pubsub":
      return "push";
    case "schedule":
      return "cron";
    case "http":
      return "api";
  }
}

/** IAM member of an operator email: service accounts by their domain, people otherwise. */
export const operatorMember = (email: string): string =>
  email.endsWith(".iam.gserviceaccount.com") ? `serviceAccount:${email}` : `user:${email}`;

/**
 * Who may call the API, as the function checks it: users and service accounts
 * by email, Workspace domains by the token's `hd`. A group cannot be read off a
 * token, so with a group among the invokers any verified identity passes this
 * check and Cloud Run IAM (run.invoker for exactly these members) decides.
 */
export function apiAllowed(cfg: InfraConfig): string[] {
  const out = new Set<string>(cfg.operators);
  for (const m of cfg.apiInvokers) {
    const [kind, ...rest] = m.split(":");
    const value = rest.join(":");
    if (kind === "user" || kind === "serviceAccount") out.add(value);
    else if (kind === "domain") out.add(`domain:${value}`);
    else out.add("*");
  }
  return out.has("*") ? ["*"] : [...out];
}

/** Every configured namespace for everyone (its LocalQueue exists there), every namespace for operators. */
export function namespacePolicy(cfg: InfraConfig): string {
  return JSON.stringify({ "*": cfg.namespaces, ...Object.fromEntries(cfg.operators.map((e) => [e, ["*"]])) });
}

type InfraSet = {
  [K in RuntimeSettingName]: (typeof RUNTIME_SETTINGS)[K] extends { deploy: "infra" } ? K : never;
}[RuntimeSettingName];

const PROVIDERS: Record<InfraSet, (c: EnvContext) => pulumi.Input<string>> = {
  KINETIC_PROJECT: (c) => c.cfg.project,
  KINETIC_ZONE: (c) => c.cfg.zone,
  KINETIC_CLUSTER: (c) => c.cfg.cluster,
  KINETIC_FIRESTORE_DATABASE: (c) => c.database,
  KINETIC_TOPIC_JOBS: (c) => c.topics.jobs,
  KINETIC_TOPIC_JOB_EVENTS: (c) => c.topics.jobEvents,
  KINETIC_TOPIC_TUNING: (c) => c.topics.tuning,
  KINETIC_TOPIC_BUILDS: (c) => c.topics.builds,
  KINETIC_TOPIC_CLOUD_BUILDS: (c) => c.topics.cloudBuilds,
  // Deployed, jobs' images are built by Cloud Build as the cluster's build account (builds.ts).
  KINETIC_BUILDER: () => "cloud-build",
  KINETIC_BUILD_REPOSITORY: (c) => buildRepository(c.cfg),
  KINETIC_BUILD_SOURCE_BUCKET: (c) => buildSourceBucket(c.cfg),
  KINETIC_BUILD_SERVICE_ACCOUNT: (c) => buildServiceAccount(c.cfg),
  KINETIC_OUTPUT_DIR_BASE: (c) => c.outputDirBase,
  // infra puts this LocalQueue in every configured namespace (kueue.ts).
  KINETIC_DEFAULT_QUEUE: () => LOCAL_QUEUE,
  KINETIC_NAMESPACE_POLICY: (c) => namespacePolicy(c.cfg),
  // Deployed, push-hook secrets are in Secret Manager; only pushHook may read them (iam.ts).
  KINETIC_HOOK_SECRETS: () => "secret-manager",
  KINETIC_HOOK_URL: (c) => functionUrl(c.cfg.project, c.cfg.region, functionName(c.cfg.cluster, "push-hook")),
  KINETIC_SCHEDULER_PRINCIPALS: (c) => c.scheduler,
  KINETIC_AUTH_AUDIENCES: (c) => (roleOf(c.spec) === "api" ? `${c.audience},${GCLOUD_AUDIENCE}` : c.audience),
  KINETIC_AUTH_ALLOWED: (c) => {
    switch (roleOf(c.spec)) {
      case "cron":
        return c.scheduler;
      case "push":
        return c.pushInvoker;
      case "api":
        return apiAllowed(c.cfg).join(",");
    }
  },
};

/** The environment a function is deployed with: the platform's variables and the settings infra owns. */
export function functionEnvironment(c: EnvContext): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = {
    [PLATFORM_ENV[0]]: "production",
    // Stack traces in the logs point at the TypeScript sources (the artifact ships index.js.map).
    [PLATFORM_ENV[1]]: "--enable-source-maps",
  };
  for (const name of settingsReadBy(roleOf(c.spec))) {
    const setting = RUNTIME_SETTINGS[name];
    if (setting.deploy === "infra") env[name] = PROVIDERS[name as InfraSet](c);
  }
  return env;
}

/**
 * What is wrong with a function's environment as deployed: a setting it reads
 * that is required, or owned by infra, but missing; a variable that no
 * declaration owns (nothing would read it); a test-only variable. Empty when sound.
 */
export function environmentProblems(role: FunctionRole, env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const reads = new Set<string>(settingsReadBy(role));
  for (const name of reads as Set<RuntimeSettingName>) {
    const setting = RUNTIME_SETTINGS[name];
    const value = env[name];
    const required = !setting.schema.safeParse(undefined).success;
    if (value === undefined && (setting.deploy === "infra" || required))
      problems.push(`${name} is not set (${setting.deploy === "infra" ? "infra must set it" : "required"})`);
    else if (value !== undefined && !setting.schema.safeParse(value).success) problems.push(`${name} is invalid`);
  }
  for (const name of Object.keys(env)) {
    if ((PLATFORM_ENV as readonly string[]).includes(name)) continue;
    if (name.startsWith("KINETIC_TEST_")) problems.push(`${name} is test-only and must never be deployed`);
    else if (!reads.has(name)) problems.push(`${name} is set but nothing in a ${role} function reads it`);
  }
  return problems;
}
