/**
 * The push-hook settings both the API (registration) and pushHook (delivery)
 * read: where secrets live, and the hook URL to give people.
 */
import { z } from "zod";
import { invalid } from "../errors.ts";
import { RUNTIME_SETTINGS as S } from "../runtime-settings.ts";
import { secretManagerSource, type SecretSource } from "../security/secret-source.ts";

/** Secret Manager secret names: one per repository, per cluster, so two clusters in a project never share. */
export const hookSecretPrefix = (cluster: string): string => `kinetic-hook-${cluster}-`;

const HookEnv = z.object({
  KINETIC_HOOK_SECRETS: S.KINETIC_HOOK_SECRETS.schema,
  KINETIC_HOOK_URL: S.KINETIC_HOOK_URL.schema,
});

function hookEnv(env: NodeJS.ProcessEnv) {
  const r = HookEnv.safeParse(env);
  if (r.success) return r.data;
  throw invalid(
    "invalid push-hook configuration",
    r.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
  );
}

/** Secret Manager when the deployment says so, else the document store's source (local mode, tests). */
export function hookSecretsFor(env: NodeJS.ProcessEnv, documents: SecretSource): SecretSource {
  if (hookEnv(env).KINETIC_HOOK_SECRETS !== "secret-manager") return documents;
  const project = env.KINETIC_PROJECT;
  const cluster = env.KINETIC_CLUSTER;
  if (!project || !cluster)
    throw invalid("KINETIC_HOOK_SECRETS=secret-manager needs KINETIC_PROJECT and KINETIC_CLUSTER", [
      { field: !project ? "KINETIC_PROJECT" : "KINETIC_CLUSTER", message: "required" },
    ]);
  return secretManagerSource({ project, prefix: hookSecretPrefix(cluster) });
}

/** The pushHook function's base URL (hooks are <base>/hooks/<id>), when the deployment knows it. */
export function hookUrlBase(env: NodeJS.ProcessEnv): string | undefined {
  return hookEnv(env).KINETIC_HOOK_URL?.replace(/\/+$/, "");
}
