/**
 * Names of one cluster's deployment, derived from (project, region, cluster)
 * and nothing else, so infra/, the CLI and `kinetic init` agree without
 * asking the cloud. Several clusters share a project: only the state bucket
 * (gs://{project}-kinetic-state) and the project's APIs are shared; every
 * other resource carries the cluster's tag.
 *
 * The tag is the cluster name when it has at most 10 characters, else its
 * first 5 characters, a hyphen and 4 hex digits of its SHA-256 (10 in all).
 * The budget comes from the tightest limit, service account ids (6–30
 * characters): "kinetic-" (8) + tag (≤ 10) + "-" (1) + the longest role,
 * "cleanup-ttl" (11) = 30.
 */
import { createHash } from "node:crypto";

export const TAG_MAX = 10;
/** Service account ids: 6–30 characters, lowercase letters, digits and hyphens, starting with a letter. */
export const ACCOUNT_ID_MAX = 30;
/** Cloud Run service names (a gen2 function is one) must stay under 50 characters. */
export const FUNCTION_NAME_MAX = 49;
/** Cloud Storage bucket names: 3–63 characters. */
export const BUCKET_NAME_MAX = 63;

/** The cluster's short, stable tag (see the module comment). */
export function clusterTag(cluster: string): string {
  if (cluster.length <= TAG_MAX) return cluster;
  const hash = createHash("sha256").update(cluster).digest("hex").slice(0, 4);
  return `${cluster.slice(0, TAG_MAX - 5).replace(/-+$/, "")}-${hash}`;
}

/** "kinetic-{tag}": the prefix of every per-cluster resource. */
export const deploymentPrefix = (cluster: string): string => `kinetic-${clusterTag(cluster)}`;

function checked(kind: string, name: string, max: number): string {
  if (name.length > max) throw new Error(`${kind} "${name}" is longer than ${max} characters`);
  return name;
}

/** A gen2 function (and its Cloud Run service): kinetic-{tag}-{slug}. */
export const functionName = (cluster: string, slug: string): string =>
  checked("function name", `${deploymentPrefix(cluster)}-${slug}`, FUNCTION_NAME_MAX);

/**
 * A service account id: kinetic-{tag}-{role}, 6–30 characters. A role longer
 * than the 11 characters the budget leaves is cut the way a long cluster name
 * is (prefix, hyphen, 4 hex digits of its hash), so a new function never fails
 * the deploy over its name.
 */
export function accountId(cluster: string, role: string): string {
  const prefix = deploymentPrefix(cluster);
  const room = ACCOUNT_ID_MAX - prefix.length - 1;
  const fitted =
    role.length <= room
      ? role
      : `${role.slice(0, room - 5).replace(/-+$/, "")}-${createHash("sha256").update(role).digest("hex").slice(0, 4)}`;
  return checked("service account id", `${prefix}-${fitted}`, ACCOUNT_ID_MAX);
}

/** The gen2 function's stable URL: known before it exists, so it can be its own audience. */
export const functionUrl = (project: string, region: string, name: string): string =>
  `https://${region}-${project}.cloudfunctions.net/${name}`;

/** The API function's URL for a cluster: the CLI's default API URL. */
export const apiUrlFor = (project: string, region: string, cluster: string): string =>
  functionUrl(project, region, functionName(cluster, "api"));

/** A topic of the cluster: "kinetic-jobs" → "kinetic-{tag}-jobs". */
export const topicName = (cluster: string, base: string): string =>
  `${deploymentPrefix(cluster)}-${base.replace(/^kinetic-/, "")}`;

/** The cluster's own Firestore database (ids: 4–63 characters). */
export const firestoreDatabase = (cluster: string): string => deploymentPrefix(cluster);

/** The cluster's Artifact Registry repository id. */
export const repositoryId = (cluster: string): string => deploymentPrefix(cluster);

/** A bucket of the cluster: {project}-kinetic-{tag}-{suffix} (≤ 63: project ≤ 30, suffix ≤ 14). */
export const bucketName = (project: string, cluster: string, suffix: string): string =>
  checked("bucket name", `${project}-${deploymentPrefix(cluster)}-${suffix}`, BUCKET_NAME_MAX);

/** Where jobs write outputs by default (KINETIC_OUTPUT_DIR_BASE of the deployed functions). */
export const outputsBucket = (project: string, cluster: string): string => bucketName(project, cluster, "outputs");
