/**
 * Names derived from the deploy declaration and the target, in one place, so
 * resources, tests and the CLI agree. Everything a cluster's stack creates
 * carries the cluster's tag (shared/config/deployment-names.ts), so two
 * clusters in one project share only the state bucket and the project's APIs.
 */
import { FUNCTIONS, type FunctionSpec } from "../functions/deploy.ts";
import { accountId, functionName } from "../shared/config/deployment-names.ts";

/** "functions/submit-job/index.ts" → "submit-job". */
export function functionSlug(spec: FunctionSpec): string {
  const m = /^functions\/([a-z0-9-]+)\//.exec(spec.source);
  if (!m?.[1])
    throw new Error(
      `functions/deploy.ts: function ${spec.name} has source "${spec.source}", expected functions/<kebab-name>/…`,
    );
  return m[1];
}

/** The deployed function's (and Cloud Run service's) name: kinetic-{tag}-{slug}. */
export const deployedName = (cluster: string, spec: FunctionSpec): string => functionName(cluster, functionSlug(spec));

/** Every function the cluster's deployment has, by deployed name. */
export const deployedNames = (cluster: string): string[] => FUNCTIONS.map((f) => deployedName(cluster, f));

/** The function's runtime service account id: kinetic-{tag}-{slug}, 6–30 characters (a long slug is cut to fit). */
export const runtimeAccountId = (cluster: string, spec: FunctionSpec): string => accountId(cluster, functionSlug(spec));

export function stateBucketName(project: string): string {
  return `${project}-kinetic-state`;
}

export function stateBackendUrl(project: string): string {
  return `gs://${stateBucketName(project)}`;
}

/** One stack per cluster. */
export function stackName(project: string, cluster: string): string {
  return `${project}-${cluster}`;
}

export const PULUMI_PROJECT = "kinetic";
