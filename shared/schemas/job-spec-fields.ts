/**
 * Field-level schemas of the job spec: names, quantities, maps and the small
 * objects (tolerations, security context, tmpfs). Each one rejects bad values
 * with the reason, so job-spec.ts only has to compose them and check the
 * rules that span several fields. Error messages never echo env values or
 * secret contents.
 */
import { z } from "zod";
import {
  dns1123LabelError,
  dns1123SubdomainError,
  envVarNameError,
  imageReferenceError,
  labelValueError,
  qualifiedNameError,
} from "./k8s-names.ts";
import { byteQuantityError, cpuQuantityError, genericQuantityError } from "./quantities.ts";

/** A string checked by a function returning the reason it is invalid. */
export function checkedString(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const reason = check(value);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  });
}

/** Enum values matched case-insensitively ("guaranteed" → "Guaranteed"). */
export function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (v) => (typeof v === "string" ? (values.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v) : v),
    z.enum(values, { error: `must be one of ${values.join(", ")}` }),
  );
}

export const Image = checkedString(imageReferenceError);
export const ObjectName = checkedString(dns1123SubdomainError);
export const Namespace = checkedString(dns1123LabelError);
export const CpuQuantity = z.preprocess(
  (v) => (typeof v === "number" ? String(v) : v),
  checkedString(cpuQuantityError),
);
export const ByteQuantity = checkedString(byteQuantityError);

/**
 * A byte size as a quantity with a unit ("4Gi", "512Mi", "10G"), or as
 * Metaflow's `@kubernetes` gives it: a whole number (or a string of digits)
 * in `unit`. Metaflow renders memory and disk as "<n>M" (megabytes) and
 * shared_memory and tmpfs_size as "<n>Mi" (mebibytes); so does Kinetic, so a
 * ported flow gets the same pod. The parsed spec holds the string with its
 * unit, so it re-parses alike.
 */
export function sizeInUnits(unit: "M" | "Mi") {
  return z.preprocess(
    (v) => (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v)) ? `${v}${unit}` : v),
    ByteQuantity,
  );
}
/** A name that also becomes a label value (queue, priority class, node pool). */
export const LabelSafeName = checkedString((v) => dns1123SubdomainError(v) ?? labelValueError(v));

export const AbsolutePath = z.string().superRefine((p, ctx) => {
  if (!p.startsWith("/")) ctx.addIssue({ code: "custom", message: `must be an absolute path (got "${p}")` });
  else if (p.includes(":")) ctx.addIssue({ code: "custom", message: "must not contain ':'" });
  else if (p.split("/").includes("..")) ctx.addIssue({ code: "custom", message: "must not contain '..'" });
});

export const SecretName = z.string().superRefine((name, ctx) => {
  // Never echo the value: a user may have pasted a secret here by mistake.
  if (/[=\s]/.test(name) || name.length > 253)
    ctx.addIssue({ code: "custom", message: "must be the name of a Kubernetes Secret, not a value" });
  else {
    const reason = dns1123SubdomainError(name);
    if (reason) ctx.addIssue({ code: "custom", message: `Secret name ${reason}` });
  }
});

function checkKeys(
  record: Record<string, string>,
  ctx: z.RefinementCtx,
  keyCheck: (k: string) => string | undefined,
  valueCheck?: (v: string) => string | undefined,
) {
  for (const [key, value] of Object.entries(record)) {
    const keyReason = keyCheck(key);
    if (keyReason) ctx.addIssue({ code: "custom", path: [key], message: keyReason });
    const valueReason = valueCheck?.(value);
    if (valueReason) ctx.addIssue({ code: "custom", path: [key], message: valueReason });
  }
}

const RESERVED_PREFIXES = ["kinetic.dev/", "kueue.x-k8s.io/", "jobset.sigs.k8s.io/", "batch.kubernetes.io/"];
function reservedKeyError(key: string): string | undefined {
  const prefix = RESERVED_PREFIXES.find((p) => key.startsWith(p) || key.startsWith(p.replace("/", "")));
  if (!prefix) return undefined;
  return prefix === "kueue.x-k8s.io/"
    ? `the ${prefix} prefix is set by Kinetic; use the queue and priority fields`
    : `the ${prefix} prefix is reserved for Kinetic and the Kubernetes controllers`;
}

export const Labels = z
  .record(z.string(), z.string())
  .superRefine((labels, ctx) =>
    checkKeys(labels, ctx, (k) => qualifiedNameError(k) ?? reservedKeyError(k), labelValueError),
  );

const ANNOTATIONS_MAX_BYTES = 256 * 1024;
export const Annotations = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  checkKeys(annotations, ctx, (k) => qualifiedNameError(k) ?? reservedKeyError(k));
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > ANNOTATIONS_MAX_BYTES)
    ctx.addIssue({ code: "custom", message: `total size must be at most 256 KiB (got ${size} bytes)` });
});

/** Node selectors as an object or Metaflow's "k=v,k2=v2" string. */
export const NodeSelector = z
  .preprocess(
    (v, ctx) => {
      if (typeof v !== "string") return v;
      const out: Record<string, string> = {};
      for (const part of v.split(",").map((p) => p.trim())) {
        if (part === "") continue;
        const eq = part.indexOf("=");
        if (eq < 0) {
          ctx.addIssue({ code: "custom", message: `"${part}" is not key=value`, input: v });
          return z.NEVER;
        }
        const key = part.slice(0, eq).trim();
        if (key in out) {
          ctx.addIssue({ code: "custom", message: `key "${key}" is given twice`, input: v });
          return z.NEVER;
        }
        out[key] = part.slice(eq + 1).trim();
      }
      return out;
    },
    z.record(z.string(), z.string()),
  )
  .superRefine((sel, ctx) => checkKeys(sel, ctx, qualifiedNameError, labelValueError));

/** Environment as {NAME: value} or [{name, value}]; numbers and booleans become strings. */
export const Env = z
  .preprocess(
    (v, ctx) => {
      if (!Array.isArray(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [i, item] of v.entries()) {
        if (typeof item !== "object" || item === null || typeof (item as { name?: unknown }).name !== "string") {
          ctx.addIssue({ code: "custom", path: [i], message: "must be {name, value}", input: v });
          return z.NEVER;
        }
        const { name, value, ...rest } = item as { name: string; value?: unknown };
        const extra = Object.keys(rest);
        if (extra.length) {
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `unknown field "${extra[0]}" (allowed: name, value)`,
            input: v,
          });
          return z.NEVER;
        }
        if (name in out) {
          ctx.addIssue({ code: "custom", path: [i], message: `"${name}" is given twice`, input: v });
          return z.NEVER;
        }
        out[name] = value ?? "";
      }
      return out;
    },
    z.record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean()], { error: "value must be a string, number or boolean" }),
    ),
  )
  .transform((env) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])))
  .superRefine((env, ctx) =>
    checkKeys(env, ctx, (name) =>
      name.startsWith("KINETIC_") ? "names starting with KINETIC_ are set by Kinetic" : envVarNameError(name),
    ),
  );

export const Toleration = z
  .strictObject({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"], { error: "must be Exists or Equal" }).optional(),
    value: z.string().optional(),
    effect: z
      .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], {
        error: "must be NoSchedule, PreferNoSchedule or NoExecute",
      })
      .optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.key !== undefined && t.key !== "") {
      const reason = qualifiedNameError(t.key);
      if (reason) ctx.addIssue({ code: "custom", path: ["key"], message: reason });
    } else if (t.operator !== "Exists")
      ctx.addIssue({ code: "custom", path: ["operator"], message: "must be Exists when key is empty" });
    if (t.operator === "Exists" && t.value)
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be empty when operator is Exists" });
    if (t.value !== undefined && t.value !== "") {
      const reason = labelValueError(t.value);
      if (reason) ctx.addIssue({ code: "custom", path: ["value"], message: reason });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute")
      ctx.addIssue({ code: "custom", path: ["tolerationSeconds"], message: "only applies with effect NoExecute" });
  });
export type Toleration = z.output<typeof Toleration>;

/** Advanced resources: {requests, limits} maps of resource name → quantity. */
const ResourceMap = z
  .record(
    z.string(),
    z.preprocess((v) => (typeof v === "number" ? String(v) : v), z.string()),
  )
  .superRefine((map, ctx) =>
    checkKeys(map, ctx, qualifiedNameError, (q) => {
      const reason = genericQuantityError(q);
      return reason;
    }),
  );
export const Resources = z.strictObject({ requests: ResourceMap.optional(), limits: ResourceMap.optional() });

export const SecurityContext = z.strictObject({
  privileged: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  runAsUser: z.number().int().min(0).max(2147483647).optional(),
  runAsGroup: z.number().int().min(0).max(2147483647).optional(),
  runAsNonRoot: z.boolean().optional(),
});
export type SecurityContext = z.output<typeof SecurityContext>;

/** tmpfs: true, or {enabled, size, path, tempdir}. */
export const Tmpfs = z.preprocess(
  (v) => (typeof v === "boolean" ? { enabled: v } : v),
  z.strictObject({
    enabled: z.boolean().optional(),
    size: sizeInUnits("Mi").optional(),
    path: AbsolutePath.optional(),
    tempdir: z.boolean().optional(),
  }),
);

/** A reservation name, or {name, project} for a reservation shared from another project. */
export const ReservationSpec = z.preprocess(
  (v) => (typeof v === "string" ? { name: v } : v),
  z.strictObject({
    // GCE resource names: RFC 1035, ≤ 63; they also become node-selector values.
    name: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Compute Engine reservation name"),
    project: z
      .string()
      .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a Google Cloud project id")
      .optional(),
  }),
);

/** Where outputs go: a Cloud Storage prefix, or an absolute path (local mode only; submission checks that). */
export const OutputDir = z
  .string()
  .regex(
    /^(?:gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](?:\/[^\s]*)?|\/[^\s]*)$/,
    'must be a Cloud Storage prefix such as "gs://bucket/path" (or an absolute path in local mode)',
  );
