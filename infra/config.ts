/**
 * The deployment's input, validated at the edge: one GKE cluster per stack,
 * its accelerator pools, and the knobs the program needs. `kinetic up`, the
 * plain `pulumi up` entry (program.ts) and the tests all build an InfraConfig
 * through `parseInfraConfig`, so a bad value fails before any resource exists.
 */
import { z } from "zod";
import { invalid, type FieldIssue } from "../shared/errors.ts";
import { parseCluster, parseProject, parseZone, regionOf } from "../shared/config/validators.ts";
import { fromParser, GpuPoolSpec, TpuPoolSpec } from "./config-fields.ts";
import { PoolShapeError, poolShape } from "./pools.ts";

export const PoolSpec = z.discriminatedUnion("kind", [GpuPoolSpec, TpuPoolSpec]).superRefine((p, ctx) => {
  // Sizing rules (topology vs machine type, slice host counts) live with the shape maths.
  try {
    poolShape(p);
  } catch (err) {
    if (!(err instanceof PoolShapeError)) throw err;
    ctx.addIssue({ code: "custom", path: [err.field], message: err.message });
  }
});
export type PoolSpec = z.infer<typeof PoolSpec>;
export type PoolInput = z.input<typeof PoolSpec>;

export const DEFAULT_VERSIONS = {
  /** The versions the Kubernetes testbed runs (testbed/versions.env); v0.15.0 is Kueue's v1beta2 floor. */
  kueue: "0.17.0",
  jobset: "0.11.0",
  functionsRuntime: "nodejs24",
} as const;

export const InfraConfig = z
  .strictObject({
    project: fromParser(parseProject),
    zone: fromParser(parseZone),
    cluster: fromParser(parseCluster),
    cpuPool: z
      .strictObject({
        machineType: z.string().default("e2-standard-8"),
        minNodes: z.number().int().min(1).default(1),
        maxNodes: z.number().int().min(1).default(5),
      })
      .default({ machineType: "e2-standard-8", minNodes: 1, maxNodes: 5 }),
    pools: z.array(PoolSpec).default([]),
    /** Namespaces that get a LocalQueue (jobs are submitted there). */
    namespaces: z
      .array(z.string().regex(/^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/, "expected a Kubernetes namespace"))
      .min(1)
      .default(["default"]),
    /** IAM members allowed to call the API function (e.g. group:ml-team@example.com). */
    apiInvokers: z
      .array(
        z.string().regex(/^(user|group|serviceAccount|domain|principal|principalSet):.+$/, "expected an IAM member"),
      )
      .default([]),
    /** Emails of operators: the namespace policy grants them every namespace (admin routes, manual cleanup). */
    operators: z.array(z.email("expected an email")).default([]),
    /**
     * The cluster's Firestore database; defaults to kinetic-{tag}, one per cluster so two clusters' jobs
     * never mix. "(default)" keeps the database of a deployment made before clusters had their own.
     */
    firestoreDatabase: z
      .string()
      .regex(/^(\(default\)|[a-z][a-z0-9-]{2,61}[a-z0-9])$/, "expected a Firestore database id or (default)")
      .optional(),
    /** Firestore location; defaults to the cluster's region. */
    firestoreLocation: z.string().optional(),
    /** Adopt an existing (default) database, e.g. one kept by an earlier `kinetic down`. */
    adoptFirestore: z.boolean().default(false),
    versions: z
      .strictObject({
        kueue: z.string().default(DEFAULT_VERSIONS.kueue),
        jobset: z.string().default(DEFAULT_VERSIONS.jobset),
        functionsRuntime: z.string().default(DEFAULT_VERSIONS.functionsRuntime),
      })
      .default({ ...DEFAULT_VERSIONS }),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.pools.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({ code: "custom", path: ["pools", i, "name"], message: `duplicate pool "${p.name}"` });
      seen.add(p.name);
    });
  });
export type InfraConfigInput = z.input<typeof InfraConfig>;
export type InfraConfig = z.infer<typeof InfraConfig> & { region: string };

export function issuesOf(error: z.ZodError, prefix = ""): FieldIssue[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
    message: i.message,
  }));
}

function describe(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.field || "(root)"}: ${i.message}`).join("; ");
}

/** Validates the deployment config; the error names every bad field and why. */
export function parseInfraConfig(input: unknown): InfraConfig {
  const r = InfraConfig.safeParse(input);
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw invalid(`invalid deployment config: ${describe(issues)}`, issues);
  }
  return { ...r.data, region: regionOf(r.data.zone) };
}

/** Validates one pool (e.g. from `kinetic pool add`), naming fields as flags would. */
export function parsePoolSpec(input: unknown): PoolSpec {
  const r = PoolSpec.safeParse(input);
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw invalid(`invalid pool: ${describe(issues)}`, issues);
  }
  return r.data;
}
