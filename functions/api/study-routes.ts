/**
 * Tuning studies as API endpoints (a RouteGroup: mount with
 * `createApiApp(getDeps, [adminRoutes, studyRoutes])`). A study lives in its
 * trials' namespace; a study outside the caller's namespaces answers exactly
 * as one that does not exist (404), as jobs do.
 *
 *   POST /studies                                  study spec → 201 {study} created, 200 {study} already existed;
 *                                                  the trials start in tuneStudy (a study.drive message)
 *   GET  /studies?namespace=NS&limit=N             {studies} (no namespace: operators only)
 *   GET  /studies/{id}?namespace=NS                {status}: counts per trial state, best trial, reason
 *   GET  /studies/{id}/trials?namespace=NS         {trials}
 *   GET  /studies/{id}/best?namespace=NS           {best} (404 while there is none)
 *   GET  /studies/{id}/importance?namespace=NS     parameter importance over completed trials (shared/studies/importance.ts),
 *        [&include=trials]                         with the search space and the objective the dashboard plots by
 *                                                  (and {trials}: the study page's one read of them, each
 *                                                  series thinned to 100 points for plotting)
 *   POST /studies/{id}/cancel?namespace=NS         {study}
 *   POST /studies/{id}/trials/{trial}/metrics?namespace=NS  {step, metrics: {name: number}} → {recorded}
 */
import type { Request } from "express";
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { assertNamespaceAllowed, seesAllNamespaces } from "../../shared/jobs/namespace-policy.ts";
import { createStudy } from "../../shared/studies/create.ts";
import { publishDrive } from "../../shared/studies/messages.ts";
import { isTerminalStudyState } from "../../shared/store/study-store.ts";
import { parameterImportance } from "../../shared/studies/importance.ts";
import { trialForPlot } from "../../shared/studies/trial-view.ts";
import {
  cancelStudy,
  getStudy,
  reportTrialMetrics,
  studyStatus,
  studyTrials,
} from "../../shared/studies/operations.ts";
import type { Deps } from "../../shared/deps.ts";
import type { Principal } from "../../shared/security/auth.ts";
import { jsonObjectBody } from "../http-body.ts";
import type { RouteGroup } from "./app.ts";

const StudyQuery = z.object({ namespace: z.string().min(1, "required: the study's namespace") });
const ListQuery = z.object({
  namespace: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const ImportanceQuery = z.object({ include: z.enum(["trials"]).optional() });
const MetricsBody = z.strictObject({
  step: z.number().int().min(0),
  metrics: z.record(z.string(), z.number()),
});

function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || where, message: i.message }));
  throw new KineticError("invalid-argument", `invalid ${where}: ${issues.map((i) => i.message).join("; ")}`, {
    issues,
  });
}

/** The study's key if the caller may see it; otherwise the same 404 as a study that does not exist. */
function studyKeyFor(req: Request, deps: Deps, principal: Principal) {
  const { namespace } = parse(StudyQuery, req.query, "query");
  const id = String(req.params.id);
  try {
    assertNamespaceAllowed(deps.config.namespacePolicy, principal.id, namespace);
  } catch {
    throw new KineticError("not-found", `study ${id} not found`);
  }
  return { namespace, id };
}

export const studyRoutes: RouteGroup = (app, route) => {
  app.post(
    "/studies",
    route(async (req, res, deps, principal) => {
      const { created, study } = await createStudy(deps, {
        spec: jsonObjectBody(req),
        principal: principal.id,
        fanOut: false,
      });
      // Published on every answer: a repeat after a lost publish still starts the study (a drive is idempotent).
      if (!isTerminalStudyState(study.state)) await publishDrive(deps.bus, study);
      res.status(created ? 201 : 200).json({ study });
    }),
  );

  app.get(
    "/studies",
    route(async (req, res, deps, principal) => {
      const q = parse(ListQuery, req.query, "query");
      if (q.namespace) assertNamespaceAllowed(deps.config.namespacePolicy, principal.id, q.namespace);
      else if (!seesAllNamespaces(deps.config.namespacePolicy, principal.id))
        throw new KineticError("invalid-argument", "name a namespace: listing every namespace is for operators", {
          issues: [{ field: "namespace", message: "required" }],
        });
      const studies = await deps.studies.list({
        ...(q.namespace ? { namespace: q.namespace } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
      });
      // The searcher's history can be long: a listing shows the summary.
      res.json({ studies: studies.map(({ history: _h, events: _e, ...rest }) => rest) });
    }),
  );

  app.get(
    "/studies/:id",
    route(async (req, res, deps, principal) => {
      res.json({ status: await studyStatus(deps, studyKeyFor(req, deps, principal)) });
    }),
  );

  app.get(
    "/studies/:id/trials",
    route(async (req, res, deps, principal) => {
      res.json({ trials: await studyTrials(deps, studyKeyFor(req, deps, principal)) });
    }),
  );

  app.get(
    "/studies/:id/best",
    route(async (req, res, deps, principal) => {
      const status = await studyStatus(deps, studyKeyFor(req, deps, principal));
      if (!status.best) throw new KineticError("not-found", `study ${status.id} has no successful trial yet`);
      res.json({ best: status.best, state: status.state, reason: status.reason });
    }),
  );

  app.get(
    "/studies/:id/importance",
    route(async (req, res, deps, principal) => {
      const { include } = parse(ImportanceQuery, req.query, "query");
      const study = await getStudy(deps, studyKeyFor(req, deps, principal));
      const { hyperparameters, objectives, objectiveType } = study.spec;
      const trials = await deps.studies.listTrials(study);
      res.json({
        ...parameterImportance(hyperparameters, trials),
        parameters: hyperparameters,
        objective: objectives[0],
        objectiveType,
        // For plotting: each series and the pushed steps thinned to PLOT_POINTS (a 1,000-trial study stays small).
        ...(include === "trials" ? { trials: trials.map((t) => trialForPlot(t)) } : {}),
      });
    }),
  );

  app.post(
    "/studies/:id/cancel",
    route(async (req, res, deps, principal) => {
      res.json({ study: await cancelStudy(deps, studyKeyFor(req, deps, principal), principal.id) });
    }),
  );

  app.post(
    "/studies/:id/trials/:trial/metrics",
    route(async (req, res, deps, principal) => {
      const key = studyKeyFor(req, deps, principal);
      const body = parse(MetricsBody, jsonObjectBody(req), "body");
      const trialId = String(req.params.trial);
      if (!trialId.startsWith(`${key.id}-`)) throw new KineticError("not-found", `trial ${trialId} not found`);
      res.json(await reportTrialMetrics(deps, { namespace: key.namespace, trialId, ...body }));
    }),
  );
};
