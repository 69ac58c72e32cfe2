/**
 * Where a job's durable outputs live: `<prefix>/<namespace>/<job id>/`, with
 * checkpoints in `checkpoints/` inside it. The prefix is the job's
 * `outputDir`, else the deployment's base (KINETIC_OUTPUT_DIR_BASE: the
 * outputs bucket deployed, a local folder in local mode). The namespace in
 * the path keeps two tenants' `train-1` apart, as the job store does.
 */
import { KineticError } from "../errors.ts";

export const CHECKPOINT_SUBDIR = "checkpoints";

export type OutputLocation =
  | {
      kind: "gcs";
      bucket: string;
      /** Object-name prefix, ending in "/" (or "" for the bucket root). */ prefix: string;
    }
  | { kind: "local"; /** Absolute folder path. */ path: string };

/** The job's output dir, as the pod sees it in KINETIC_OUTPUT_DIR (always ending in "/"). */
export function jobOutputDir(prefix: string, namespace: string, jobId: string): string {
  return `${prefix.replace(/\/+$/, "")}/${namespace}/${jobId}/`;
}

/** KINETIC_CHECKPOINT_DIR: inside the output dir, the same for every attempt of the job. */
export function checkpointDir(outputDir: string): string {
  return `${outputDir.replace(/\/+$/, "")}/${CHECKPOINT_SUBDIR}/`;
}

/** Parses an output dir or prefix: gs://bucket/path or an absolute local path. */
export function parseOutputLocation(dir: string): OutputLocation {
  const gs = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(dir);
  if (gs) {
    const rest = (gs[2] ?? "").replace(/^\/+/, "");
    return { kind: "gcs", bucket: gs[1]!, prefix: rest && !rest.endsWith("/") ? `${rest}/` : rest };
  }
  if (dir.startsWith("/")) return { kind: "local", path: dir.replace(/\/+$/, "") || "/" };
  throw new KineticError("invalid-argument", `"${dir}" is neither a gs:// prefix nor an absolute path`, {
    issues: [{ field: "outputDir", message: "must be gs://bucket/path (or an absolute path in local mode)" }],
  });
}

/**
 * Why a job's outputDir does not suit this deployment, or undefined. A deployed control plane writes to Cloud
 * Storage, so a local path there would be a folder inside one pod, lost with it; in local mode (a local base)
 * both a local folder and a gs:// prefix are fine.
 */
export function outputDirIssue(outputDir: string, deploymentBase: string): string | undefined {
  if (outputDir.startsWith("gs://")) return undefined;
  if (deploymentBase.startsWith("gs://"))
    return `must be a Cloud Storage prefix (gs://bucket/path): "${outputDir}" would be a folder inside the pod, lost with it`;
  return undefined;
}
