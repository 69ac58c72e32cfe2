/**
 * The jobs API as an express router: POST /jobs, GET /jobs, GET /jobs/{id},
 * POST /jobs/{id}/cancel, GET /jobs/{id}/logs. A job is (namespace, id): the
 * per-job routes take ?namespace=, and without it find the id among the
 * namespaces the caller may see. Bodies are JSON of bounded
 * size, refused before anything else (http-body.ts); every route
 * authenticates; inputs are validated with zod and errors carry field-level
 * issues.
 */
import express, { type Request, type Response, type NextFunction } from "express";
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { JOB_STATES } from "../../shared/schemas/job-state.ts";
import { toRecord } from "../../shared/store/job-view.ts";
import { submitJob, ensureId } from "../../shared/jobs/submit.ts";
import { cancelJob } from "../../shared/jobs/cancel.ts";
import { isJobId } from "../../shared/schemas/job-id.ts";
import { Namespace } from "../../shared/schemas/job-spec-fields.ts";
import { allowedNamespaces, assertNamespaceAllowed, seesAllNamespaces } from "../../shared/jobs/namespace-policy.ts";
import { requireVisibleJob } from "../../shared/jobs/find.ts";
import { isTerminal } from "../../shared/schemas/job-state.ts";
import type { Deps } from "../../shared/deps.ts";
import type { Principal } from "../../shared/security/auth.ts";
import { sendError } from "../http.ts";
import { bodyErrors, bodyGuard, jsonBody, jsonObjectBody } from "../http-body.ts";

const ListQuery = z.object({
  state: z.enum(JOB_STATES).optional(),
  namespace: z.string().min(1).optional(),
  // The canonical name as stored ("nvidia-l4", "tpu-v6e-8", "cpu"); an unknown one simply matches nothing.
  accelerator: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "an accelerator name such as nvidia-l4, tpu-v6e-8 or cpu")
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).optional(),
});

/** Job ids are unique per namespace: naming it finds the job directly (and lets a cancel overtake its submission). */
const JobQuery = z.object({ namespace: Namespace.optional() });

const LogsQuery = JobQuery.extend({
  worker: z.coerce.number().int().min(0).optional(),
  tail: z.coerce.number().int().min(1).optional(),
  follow: z.enum(["true", "false", "1", "0"]).optional(),
});

export type Handler = (req: Request, res: Response, deps: Deps, principal: Principal) => Promise<void>;
export type Route = (handler: Handler) => (req: Request, res: Response) => Promise<void>;

/** Wraps a handler with authentication and the shared error rendering. */
export function authenticated(getDeps: () => Promise<Deps>): Route {
  return (handler) => async (req, res) => {
    try {
      const deps = await getDeps();
      const principal = await deps.auth.authenticate(req.get("authorization"));
      await handler(req, res, deps, principal);
    } catch (err) {
      sendError(res, err);
    }
  };
}

/** Extra route groups (admin utilities) mount through this hook. */
export type RouteGroup = (app: express.Express, route: Route) => void;

export function createApiApp(getDeps: () => Promise<Deps>, groups: RouteGroup[] = []): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Size and type first, before any work; functions-framework has parsed the body already, other servers need jsonBody.
  app.use(bodyGuard(), jsonBody());
  const route = authenticated(getDeps);

  app.post(
    "/jobs",
    route(async (req, res, deps, principal) => {
      const body = jsonObjectBody(req);
      const key = req.get("idempotency-key");
      const outcome = await submitJob(deps, {
        // Without an id or an Idempotency-Key, every POST is a new job.
        spec: key ? body : ensureId(body),
        // An Idempotency-Key is scoped to (caller, namespace): two tenants' keys never meet.
        ...(key ? { key: `http:${principal.id}:${String(body.namespace ?? "")}:${key}` } : {}),
        principal: principal.id,
        source: `http:${principal.id}`,
        // The caller reads the error in the answer; storing it would let invalid specs squat ids.
        recordRejections: false,
      });
      if (outcome.status === "rejected") {
        res
          .status(outcome.error.status)
          .json({ ...outcome.error.toJSON(), ...(outcome.job ? { jobId: outcome.job.id } : {}) });
        return;
      }
      res.status(outcome.status === "created" ? 201 : 200).json({ job: toRecord(outcome.job) });
    }),
  );

  app.get(
    "/jobs",
    route(async (req, res, deps, principal) => {
      const q = parseQuery(ListQuery, req.query);
      // Jobs are visible to those who may run jobs in their namespace; listing every namespace needs "*".
      if (q.namespace) assertNamespaceAllowed(deps.config.namespacePolicy, principal.id, q.namespace);
      else if (!seesAllNamespaces(deps.config.namespacePolicy, principal.id)) {
        throw new KineticError("permission-denied", "listing every namespace is for operators; pass ?namespace=", {
          issues: [{ field: "namespace", message: "required for this caller" }],
        });
      }
      const page = await deps.store.list(q);
      res.json({
        jobs: page.jobs.map((j) => toRecord(j)),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      });
    }),
  );

  app.get(
    "/jobs/:id",
    route(async (req, res, deps, principal) => {
      const q = parseQuery(JobQuery, req.query);
      const job = await visibleJob(deps, principal, String(req.params.id), q.namespace);
      res.json({ job: toRecord(job, { events: true }) });
    }),
  );

  app.post(
    "/jobs/:id/cancel",
    route(async (req, res, deps, principal) => {
      const id = String(req.params.id);
      const q = parseQuery(JobQuery, req.query);
      if (q.namespace === undefined) {
        const job = await visibleJob(deps, principal, id);
        res.json({ job: toRecord(await cancelJob(deps, job, principal.id), { events: true }) });
        return;
      }
      // Naming the namespace lets a cancel overtake its submission: an unseen id gets a tombstone there.
      assertNamespaceAllowed(deps.config.namespacePolicy, principal.id, q.namespace);
      if (!isJobId(id)) throw new KineticError("not-found", `job ${id} not found`);
      const cancelled = await cancelJob(deps, { namespace: q.namespace, id }, principal.id);
      res.json({ job: toRecord(cancelled, { events: true }) });
    }),
  );

  app.get(
    "/jobs/:id/logs",
    route(async (req, res, deps, principal) => {
      const q = parseQuery(LogsQuery, req.query);
      const job = await visibleJob(deps, principal, String(req.params.id), q.namespace);
      if (!job.workload) {
        res.type("text/plain").send("");
        return;
      }
      const options = {
        ...(q.worker !== undefined ? { worker: q.worker } : {}),
        ...(q.tail ? { tailLines: q.tail } : {}),
      };
      const follow = q.follow === "true" || q.follow === "1";
      if (follow && !isTerminal(job.state) && deps.cluster.followLogs) {
        res.type("text/plain");
        res.flushHeaders();
        try {
          await deps.cluster.followLogs(job.workload, (chunk) => res.write(chunk), options);
        } catch (err) {
          // The status line is already sent: say why the stream ended, in the stream.
          deps.log.warn("log stream ended with an error", { jobId: job.id, error: err });
          res.write(`\n[kinetic] log stream ended: ${err instanceof Error ? err.message : String(err)}\n`);
        }
        res.end();
        return;
      }
      const text = await deps.cluster.logs(job.workload, options);
      res.type("text/plain").send(text);
    }),
  );

  for (const group of groups) group(app, route);

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: "not-found", message: "no such route" } });
  });
  // Malformed or oversized bodies arrive here from jsonBody (never under functions-framework: it answers those itself).
  app.use(bodyErrors());
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, err));
  return app;
}

/** The job, if the caller may see its namespace; otherwise the same 404 as for no job, so nothing leaks. */
function visibleJob(deps: Deps, principal: Principal, id: string, namespace?: string) {
  return requireVisibleJob(deps.store, id, {
    allowed: allowedNamespaces(deps.config.namespacePolicy, principal.id),
    ...(namespace !== undefined ? { namespace } : {}),
  });
}

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(query)", message: i.message }));
  throw new KineticError(
    "invalid-argument",
    `invalid query: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { issues },
  );
}
