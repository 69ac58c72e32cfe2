/**
 * Operator configuration for the deployed functions, read once from the
 * environment and validated, so a typo in a deploy variable fails loudly at
 * start instead of silently changing behaviour.
 */
import { z } from "zod";
import { KineticError } from "./errors.ts";
import { LabelSafeName } from "./schemas/job-spec-fields.ts";

const seconds = (def: number) => z.coerce.number().int().positive().default(def);

const RuntimeEnv = z.object({
  KINETIC_DEFAULT_TTL_SECONDS: seconds(7 * 86_400),
  KINETIC_OUTPUT_DIR_BASE: z.string().default("/tmp/kinetic-output"),
  // Rendered into every job without a queue, unparsed: checked here like a spec's `queue`.
  KINETIC_DEFAULT_QUEUE: z.union([z.literal(""), LabelSafeName]).optional(),
  /** JSON map principal → namespace patterns ("team-*"); "*" applies to any caller, "pubsub" to the job topic. */
  KINETIC_NAMESPACE_POLICY: z.string().default('{"*":["default"]}'),
  KINETIC_UNSCHEDULABLE_TIMEOUT_SECONDS: seconds(3_600),
  KINETIC_QUEUE_TIMEOUT_SECONDS: seconds(86_400),
  /** A submit message older than this is rejected (Expired) rather than started late. */
  KINETIC_SUBMIT_MAX_AGE_SECONDS: seconds(3_600),
  /** QUEUED jobs whose cluster create failed are retried by syncJobs after this long. */
  KINETIC_RESUBMIT_AFTER_SECONDS: seconds(60),
  KINETIC_RETENTION_DAYS: seconds(30),
  /** Principals (emails, static token names) that run the crons: only they may name a schedule time. */
  KINETIC_SCHEDULER_PRINCIPALS: z.string().default(""),
});

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
  const parsed = RuntimeEnv.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
    throw new KineticError(
      "invalid-argument",
      `invalid Kinetic configuration: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
      { issues },
    );
  }
  const e = parsed.data;
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
    schedulers: e.KINETIC_SCHEDULER_PRINCIPALS.split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  };
}
