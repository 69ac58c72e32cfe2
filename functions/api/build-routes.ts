/**
 * Image builds as API endpoints (a RouteGroup). A build belongs to the
 * namespaces it was requested for (shared/store/build-refs.ts); a caller sees
 * the builds of the namespaces they may use, operators every build, and a
 * build outside the caller's namespaces answers exactly as one that does not
 * exist (404), as jobs do.
 *
 *   POST /builds {namespace, context, baseImage, accelerator, requirements?, repository?, refresh?, retryFailed?}
 *        → 200 {status: up-to-date|started|joined|failed, key, image, digest?, build?}
 *   GET  /builds?namespace=NS&limit=N     {builds} newest first (no namespace: operators only)
 *   GET  /builds/{id}?namespace=NS        {build}
 *   GET  /builds/{id}/logs?namespace=NS   the log tail, text/plain
 *
 * A `dir` context names a path on the API's own machine: only local mode
 * (KINETIC_BUILD_DIR_CONTEXTS=true) takes it. A deployed stack builds Git
 * contexts (a commit the builder can fetch).
 */
import type { Request } from "express";
import { z } from "zod";
import { KineticError } from "../../shared/errors.ts";
import { allowedNamespaces, assertNamespaceAllowed, seesAllNamespaces } from "../../shared/jobs/namespace-policy.ts";
import { Namespace } from "../../shared/schemas/job-spec-fields.ts";
import { nudge } from "../../shared/builds/job-image.ts";
import { requestBuild } from "../../shared/builds/request-build.ts";
import { parseBuildRequest } from "../../shared/builds/request.ts";
import type { BuildDoc } from "../../shared/store/build-store.ts";
import type { Deps } from "../../shared/deps.ts";
import type { Principal } from "../../shared/security/auth.ts";
import { jsonObjectBody } from "../http-body.ts";
import type { RouteGroup } from "./app.ts";

const BuildQuery = z.object({ namespace: Namespace.optional() });
const ListQuery = BuildQuery.extend({ limit: z.coerce.number().int().min(1).max(500).optional() });
const BuildId = /^[0-9a-f]{64}-[1-9][0-9]{0,5}$/;

function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || where, message: i.message }));
  throw new KineticError(
    "invalid-argument",
    `invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { issues },
  );
}

/** What the API shows of a build: no claim bookkeeping, and a Git URL without any credentials in it. */
export function buildView(b: BuildDoc): Record<string, unknown> {
  const { claimOwner: _o, claimUntil: _u, expireAt: _e, request, ...rest } = b;
  const ctx = (request as { context?: Record<string, unknown> }).context ?? {};
  const url = typeof ctx.url === "string" ? ctx.url.replace(/\/\/[^/@]*@/, "//") : undefined;
  return { ...rest, context: { ...ctx, ...(url ? { url } : {}) } };
}

/** The build, if the caller may see it; otherwise the same 404 as a build that does not exist. */
async function visibleBuild(req: Request, deps: Deps, principal: Principal): Promise<BuildDoc> {
  const id = String(req.params.id);
  const { namespace } = parse(BuildQuery, req.query, "query");
  const notFound = new KineticError("not-found", `build ${id} not found`);
  if (!BuildId.test(id)) throw notFound;
  const policy = deps.config.namespacePolicy;
  let visible = seesAllNamespaces(policy, principal.id);
  if (!visible && namespace !== undefined) {
    try {
      assertNamespaceAllowed(policy, principal.id, namespace);
      visible = await deps.buildRefs.has(namespace, id);
    } catch {
      visible = false;
    }
  } else if (!visible) {
    // Without ?namespace=, the caller's exactly named namespaces are tried (patterns need the flag).
    const named = allowedNamespaces(policy, principal.id).filter((p) => !p.endsWith("*"));
    visible = (await Promise.all(named.map((ns) => deps.buildRefs.has(ns, id)))).some(Boolean);
  }
  const build = visible ? await deps.builds.get(id) : undefined;
  if (!build) throw notFound;
  return build;
}

export const buildRoutes: RouteGroup = (app, route) => {
  app.post(
    "/builds",
    route(async (req, res, deps, principal) => {
      const { namespace, retryFailed, ...rest } = jsonObjectBody(req);
      const ns = parse(z.object({ namespace: Namespace }), { namespace }, "request").namespace;
      assertNamespaceAllowed(deps.config.namespacePolicy, principal.id, ns);
      const request = parseBuildRequest(rest);
      if (request.context.kind === "dir" && process.env.KINETIC_BUILD_DIR_CONTEXTS !== "true") {
        throw new KineticError("invalid-argument", "this deployment cannot read a directory on your machine", {
          issues: [{ field: "context.kind", message: "use a git context (a pushed commit) with a deployed stack" }],
        });
      }
      const images = deps.images;
      if (!images) throw new KineticError("failed-precondition", "image builds are not configured in this deployment");
      const outcome = await requestBuild(images, request, { run: "queue", retryFailed: retryFailed === true });
      if (outcome.status === "started") await nudge(deps, images, outcome.build.id);
      if (outcome.build) {
        await deps.buildRefs.add({
          namespace: ns,
          buildId: outcome.build.id,
          at: deps.clock.now().toISOString(),
          source: `http:${principal.id}`,
        });
      }
      res.json({
        status: outcome.status,
        key: outcome.key,
        image: outcome.image,
        ...(outcome.status === "up-to-date" ? { digest: outcome.digest } : {}),
        ...(outcome.build ? { build: buildView(outcome.build) } : {}),
      });
    }),
  );

  app.get(
    "/builds",
    route(async (req, res, deps, principal) => {
      const q = parse(ListQuery, req.query, "query");
      if (q.namespace === undefined) {
        if (!seesAllNamespaces(deps.config.namespacePolicy, principal.id)) {
          throw new KineticError("permission-denied", "listing every build is for operators; pass ?namespace=", {
            issues: [{ field: "namespace", message: "required for this caller" }],
          });
        }
        res.json({ builds: (await deps.builds.list(q.limit ? { limit: q.limit } : {})).map(buildView) });
        return;
      }
      assertNamespaceAllowed(deps.config.namespacePolicy, principal.id, q.namespace);
      const refs = await deps.buildRefs.list(q.namespace, q.limit ? { limit: q.limit } : {});
      const builds = await Promise.all(refs.map((r) => deps.builds.get(r.buildId)));
      res.json({ builds: builds.filter((b): b is BuildDoc => b !== undefined).map(buildView) });
    }),
  );

  app.get(
    "/builds/:id",
    route(async (req, res, deps, principal) => {
      res.json({ build: buildView(await visibleBuild(req, deps, principal)) });
    }),
  );

  app.get(
    "/builds/:id/logs",
    route(async (req, res, deps, principal) => {
      const build = await visibleBuild(req, deps, principal);
      const tail = build.logTail ?? [];
      res.type("text/plain").send(tail.length ? `${tail.join("\n")}\n` : "");
    }),
  );
};
