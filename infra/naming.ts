/**
 * Names derived from the deploy declaration and the target, in one place, so resources,
 * tests and the CLI agree: a function's kebab-case slug (Cloud Run service
 * names are lowercase), its service account id, and the state bucket/stack.
 */
import type { FunctionSpec } from "../functions/deploy.ts";

/** "functions/submit-job/index.ts" → "submit-job". */
export function functionSlug(spec: FunctionSpec): string {
  const m = /^functions\/([a-z0-9-]+)\//.exec(spec.source);
  if (!m?.[1])
    throw new Error(
      `functions/deploy.ts: function ${spec.name} has source "${spec.source}", expected functions/<kebab-name>/…`,
    );
  return m[1];
}

/** Service account ids are 6–30 characters. */
export function runtimeAccountId(spec: FunctionSpec): string {
  const id = `kinetic-${functionSlug(spec)}`;
  if (id.length > 30)
    throw new Error(
      `functions/deploy.ts: service account id "${id}" is longer than 30 characters; shorten the folder name`,
    );
  return id;
}

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
