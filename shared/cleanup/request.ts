/**
 * The cleanupTtl request, from a Cloud Scheduler tick or an operator: body
 * (or query) `{force?, dryRun?, namespace?}` validated at the edge, plus the
 * X-CloudScheduler-ScheduleTime header as the run id of a tick.
 */
import { z } from "zod";
import { KineticError } from "../errors.ts";
import { dns1123LabelError } from "../schemas/k8s-names.ts";
import { manualRunId, tickRunId } from "./run.ts";
import type { CleanupOptions } from "./types.ts";

const flag = z.union([
  z.boolean(),
  z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1"),
]);

export const CleanupRequest = z.strictObject({
  /** Delete stale resources, and running/pending jobs in `namespace`. */
  force: flag.optional(),
  /** List what would be deleted, delete nothing. */
  dryRun: flag.optional(),
  namespace: z
    .string()
    .min(1)
    .refine((ns) => dns1123LabelError(ns) === undefined, { message: "must be a Kubernetes namespace name (DNS label)" })
    .optional(),
});
export type CleanupRequest = z.infer<typeof CleanupRequest>;

export function parseCleanupRequest(body: unknown, query: unknown): CleanupRequest {
  const empty = body === undefined || body === null || body === "" || (Buffer.isBuffer(body) && body.length === 0);
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body);
  if (!empty && !isObject) {
    throw new KineticError("invalid-argument", "the request body must be a JSON object", {
      issues: [{ field: "(body)", message: "expected {force?, dryRun?, namespace?} (Content-Type: application/json)" }],
    });
  }
  const merged = { ...(typeof query === "object" && query !== null ? query : {}), ...(isObject ? body : {}) };
  const parsed = CleanupRequest.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.join(".") || (i.code === "unrecognized_keys" ? i.keys.join(", ") : "(body)"),
    message: i.message,
  }));
  throw new KineticError(
    "invalid-argument",
    `invalid cleanup request: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { issues },
  );
}

/** Request + trigger → run options. `force` means both: delete stale resources and running jobs (namespace required). */
export function cleanupOptionsFor(
  req: CleanupRequest,
  trigger: { scheduleTime?: string; principal: string; now: Date },
): CleanupOptions {
  return {
    ...(req.namespace ? { namespace: req.namespace } : {}),
    dryRun: req.dryRun === true,
    deleteStale: req.force === true,
    includeActive: req.force === true,
    runId: trigger.scheduleTime ? tickRunId(trigger.scheduleTime) : manualRunId(trigger.now),
    trigger: trigger.scheduleTime ? `schedule (${trigger.principal})` : trigger.principal,
  };
}
