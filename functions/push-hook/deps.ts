/**
 * pushHook's deps: the shared Deps (stores, cluster, image builds), the
 * secrets from Secret Manager when the deployment says so
 * (KINETIC_HOOK_SECRETS=secret-manager) or the document store, and a
 * dispatcher that requests the push's build and submits its jobs before
 * answering (fast: the build itself runs in buildImage). Tests and local mode
 * install their own with setPushHookDeps.
 */
import { getDeps } from "../../shared/deps.ts";
import { KineticError } from "../../shared/errors.ts";
import { runPushBuild } from "../../shared/builds/push-build.ts";
import type { PushHookDeps } from "../../shared/builds/push-hook-handler.ts";
import { hookSecretsFor } from "../../shared/builds/hook-settings.ts";
import type { Deps } from "../../shared/deps.ts";

let installed: Promise<PushHookDeps> | undefined;

/** Installs the deps every later delivery uses; undefined goes back to the environment's. */
export function setPushHookDeps(deps: PushHookDeps | undefined): void {
  installed = deps ? Promise.resolve(deps) : undefined;
}

export function pushHookDeps(): Promise<PushHookDeps> {
  installed ??= getDeps()
    .then((deps) => pushHookDepsOf(deps, process.env))
    .catch((err: unknown) => {
      installed = undefined;
      throw err;
    });
  return installed;
}

/** The hook's deps over a function instance's Deps (also what local mode installs). */
export function pushHookDepsOf(deps: Deps, env: NodeJS.ProcessEnv): PushHookDeps {
  return {
    repos: deps.repos,
    hookSecrets: hookSecretsFor(env, deps.hookSecrets),
    deliveries: deps.deliveries,
    log: deps.log,
    dispatch: (plan) => {
      const images = deps.images;
      if (!images) throw new KineticError("failed-precondition", "image builds are not configured in this deployment");
      return runPushBuild({ images, jobs: deps, repos: deps.repos, buildRefs: deps.buildRefs }, plan);
    },
  };
}
