/**
 * Git repositories registered for push hooks (a RouteGroup). Operators only:
 * a registration decides what code is built and where its jobs run, so only a
 * principal the namespace policy grants "*" may make or see one.
 *
 *   POST   /repos        registration → 201 {repo, secret, hookUrl?}: the secret is in this answer only
 *   GET    /repos        {repos} (no secrets, ever)
 *   GET    /repos/{id}   {repo}
 *   DELETE /repos/{id}   {deleted: id}; the hook URL answers 401 from then on
 */
import { assertOperator } from "../../shared/jobs/namespace-policy.ts";
import { hookSecretsFor, hookUrlBase } from "../../shared/builds/hook-settings.ts";
import { registerRepo, removeRepo, repoView, type RepoDeps } from "../../shared/builds/repos.ts";
import { KineticError } from "../../shared/errors.ts";
import type { Deps } from "../../shared/deps.ts";
import { jsonObjectBody } from "../http-body.ts";
import type { RouteGroup } from "./app.ts";

function repoDeps(deps: Deps): RepoDeps {
  return { repos: deps.repos, hookSecrets: hookSecretsFor(process.env, deps.hookSecrets), clock: deps.clock };
}

export const repoRoutes: RouteGroup = (app, route) => {
  app.post(
    "/repos",
    route(async (req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "registering a repository");
      const { repo, secret } = await registerRepo(repoDeps(deps), jsonObjectBody(req), principal.id);
      // Who registered what, never the secret.
      deps.log.info("repository registered", { repoId: repo.id, repository: repo.repository, by: principal.id });
      res.status(201).json({ repo: repoView(repo, hookUrlBase(process.env)), secret });
    }),
  );

  app.get(
    "/repos",
    route(async (_req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "listing repositories");
      const base = hookUrlBase(process.env);
      res.json({ repos: (await deps.repos.list()).map((r) => repoView(r, base)) });
    }),
  );

  app.get(
    "/repos/:id",
    route(async (req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "reading a repository");
      const repo = await deps.repos.get(String(req.params.id));
      if (!repo) throw new KineticError("not-found", `repository ${String(req.params.id)} is not registered`);
      res.json({ repo: repoView(repo, hookUrlBase(process.env)) });
    }),
  );

  app.delete(
    "/repos/:id",
    route(async (req, res, deps, principal) => {
      assertOperator(deps.config.namespacePolicy, principal.id, "removing a repository");
      const id = String(req.params.id);
      await removeRepo(repoDeps(deps), id);
      deps.log.info("repository removed", { repoId: id, by: principal.id });
      res.json({ deleted: id });
    }),
  );
};
