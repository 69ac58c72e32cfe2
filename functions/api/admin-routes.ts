/**
 * Kaptain's utilities as API endpoints (mounted by createApiApp as a
 * RouteGroup). Every one is for operators (the namespace policy grants them
 * "*") and scoped to one namespace, and
 * every bulk one is a cleanup run: it takes the cleanup lease, answers with
 * the run summary (what it deleted or would delete, and why) and leaves a
 * `cleanupRuns/{runId}` record.
 *
 *   GET    /admin/diagnose?namespace=NS              every Kinetic resource + what cleanup would do
 *   GET    /admin/workloads?namespace=NS             Kinetic Jobs/JobSets with their jobs' states
 *   DELETE /admin/jobs/{id}?kind=Job|JobSet&namespace=NS   one job's workload (running → CANCELLED first)
 *   POST   /admin/jobs/delete-completed {namespace, force?}  finished workloads now (force: running too)
 *   POST   /admin/clean     {namespace, force?}      expired workloads + stale resources; dry run unless force
 *   POST   /admin/clean-all {namespace, force?}      everything Kinetic in the namespace; dry run unless force
 */
import type { Request } from "express";
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { ADMIN_RUNS, deleteJob, diagnose, listWorkloads } from "../../shared/cleanup/admin.ts";
import { manualRunId, runCleanup } from "../../shared/cleanup/run.ts";
import type { CleanupOptions } from "../../shared/cleanup/types.ts";
import { assertOperator } from "../../shared/jobs/namespace-policy.ts";
import { dns1123LabelError } from "../../shared/schemas/k8s-names.ts";
import type { Deps } from "../../shared/deps.ts";
import type { Principal } from "../../shared/security/auth.ts";
import { cleanupDeps } from "../../shared/cleanup/cleanup-deps.ts";
import type { RouteGroup } from "./app.ts";

const Namespace = z
  .string({ error: "required: the namespace to act on" })
  .min(1, "required: the namespace to act on")
  .refine((ns) => dns1123LabelError(ns) === undefined, { message: "must be a Kubernetes namespace name (DNS label)" });
const Flag = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);

const NamespaceQuery = z.object({ namespace: Namespace });
const DeleteJobQuery = z.strictObject({ kind: z.enum(["Job", "JobSet"]).optional(), namespace: Namespace.optional() });
const BulkBody = z.strictObject({ namespace: Namespace, force: Flag.optional() });

function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.join(".") || (i.code === "unrecognized_keys" ? i.keys.join(", ") : where),
    message: i.code === "unrecognized_keys" ? "unknown field" : i.message,
  }));
  throw new KineticError(
    "invalid-argument",
    `invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { issues },
  );
}

function bulk(make: (namespace: string, force: boolean) => CleanupOptions) {
  return async (req: Request, deps: Deps, principal: Principal) => {
    const raw: unknown = req.body;
    const fromBody = typeof raw === "object" && raw !== null && !Array.isArray(raw) && !Buffer.isBuffer(raw) ? raw : {};
    const body = parse(BulkBody, { ...(req.query as object), ...fromBody }, "request");
    assertOperator(deps.config.namespacePolicy, principal.id, req.path);
    return runCleanup(cleanupDeps(deps), {
      ...make(body.namespace, body.force === true),
      runId: manualRunId(deps.clock.now()),
      trigger: `${req.path} by ${principal.id}`,
    });
  };
}

/** Mount with `createApiApp(getDeps, [adminRoutes])`. */
export const adminRoutes: RouteGroup = (app, route) => {
  app.get(
    "/admin/diagnose",
    route(async (req, res, deps, principal) => {
      const { namespace } = parse(NamespaceQuery, req.query, "query");
      assertOperator(deps.config.namespacePolicy, principal.id, "diagnose");
      res.json(await diagnose(cleanupDeps(deps), namespace));
    }),
  );

  app.get(
    "/admin/workloads",
    route(async (req, res, deps, principal) => {
      const { namespace } = parse(NamespaceQuery, req.query, "query");
      assertOperator(deps.config.namespacePolicy, principal.id, "listing workloads");
      res.json({ namespace, workloads: await listWorkloads(cleanupDeps(deps), namespace) });
    }),
  );

  app.delete(
    "/admin/jobs/:id",
    route(async (req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "deleting a job's workload");
      const q = parse(DeleteJobQuery, req.query, "query");
      res.json(
        await deleteJob(cleanupDeps(deps), String(req.params.id), {
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.namespace ? { namespace: q.namespace } : {}),
          principal: principal.id,
        }),
      );
    }),
  );

  for (const [path, make] of [
    ["/admin/jobs/delete-completed", ADMIN_RUNS.deleteCompleted],
    ["/admin/clean", ADMIN_RUNS.clean],
    ["/admin/clean-all", ADMIN_RUNS.cleanAll],
  ] as const) {
    const run = bulk(make);
    app.post(
      path,
      route(async (req, res, deps, principal) => {
        const summary = await run(req, deps, principal);
        res.status(summary.status === "failed" ? 500 : 200).json(summary);
      }),
    );
  }
};
