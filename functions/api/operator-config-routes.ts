/**
 * The live operator config, for operators only (the namespace policy grants
 * them "*"):
 *
 *   GET /admin/config                   {config, set, revision, updatedAt?, updatedBy?}
 *   PUT /admin/config {config, revision, reason?}
 *                                        replaces what is set; 200 with the new state and the change,
 *                                        400 with per-field issues (nothing changed),
 *                                        409 failed-precondition when `revision` is stale
 *   GET /admin/config/history?limit=&before=   {changes, nextBefore?}, newest first
 *
 * `revision` is the precondition: a PUT based on an old read is refused, never
 * silently lost; the change and its record (who, when, old, new) are one
 * transaction in the store.
 */
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { assertOperator } from "../../shared/jobs/namespace-policy.ts";
import type { OperatorConfigState } from "../../shared/store/operator-config-store.ts";
import { jsonObjectBody } from "../http-body.ts";
import type { RouteGroup } from "./app.ts";

const PutBody = z.strictObject({
  config: z.record(z.string(), z.unknown(), { error: "required: the whole config as an object (may be {})" }),
  revision: z.number({ error: "required: the revision the change is based on (from GET /admin/config)" }).int().min(0),
  reason: z.string().max(500).optional(),
});

const HistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().min(1).optional(),
});

function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => ({ field: k, message: "unknown field" }))
      : [{ field: i.path.join(".") || where, message: i.message }],
  );
  throw new KineticError(
    "invalid-argument",
    `invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { issues },
  );
}

export function stateView(state: OperatorConfigState) {
  return {
    config: state.config,
    set: state.set,
    revision: state.revision,
    ...(state.updatedAt ? { updatedAt: state.updatedAt.toISOString() } : {}),
    ...(state.updatedBy ? { updatedBy: state.updatedBy } : {}),
  };
}

/** Mount with `createApiApp(getDeps, [..., operatorConfigRoutes])`. */
export const operatorConfigRoutes: RouteGroup = (app, route) => {
  app.get(
    "/admin/config",
    route(async (_req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "reading the operator config");
      res.json(stateView(await deps.operatorConfig.read()));
    }),
  );

  app.put(
    "/admin/config",
    route(async (req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "changing the operator config");
      const body = parse(PutBody, jsonObjectBody(req), "request");
      const { state, change } = await deps.operatorConfig.write(body.config, {
        by: principal.id,
        ifRevision: body.revision,
        ...(body.reason ? { reason: body.reason } : {}),
      });
      deps.log.info("operator config changed", {
        by: principal.id,
        revision: state.revision,
        changed: change?.changed ?? [],
      });
      res.json({ ...stateView(state), ...(change ? { change: { ...change, at: change.at.toISOString() } } : {}) });
    }),
  );

  app.get(
    "/admin/config/history",
    route(async (req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "reading the operator config history");
      const q = parse(HistoryQuery, req.query, "query");
      const limit = q.limit ?? 20;
      const changes = await deps.operatorConfig.history({
        limit,
        ...(q.before !== undefined ? { before: q.before } : {}),
      });
      const last = changes.at(-1);
      res.json({
        changes: changes.map((c) => ({ ...c, at: c.at.toISOString() })),
        ...(changes.length === limit && last && last.revision > 1 ? { nextBefore: last.revision } : {}),
      });
    }),
  );
};
