/**
 * The Artifact Registry repository for job images (`kinetic build` pushes here)
 * a bucket for the functions' source archives, and the bucket jobs write
 * their outputs to (KINETIC_OUTPUT_DIR_BASE), all the cluster's own.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { bucketName, outputsBucket, repositoryId } from "../shared/config/deployment-names.ts";
import type { InfraConfig } from "./config.ts";

/** How long the default outputs bucket keeps a job's files (its lifecycle rule); a job's own outputDir is the user's. */
export const OUTPUTS_RETENTION_DAYS = 90;

export interface Registry {
  repository: gcp.artifactregistry.Repository;
  /** e.g. us-central1-docker.pkg.dev/my-project/kinetic */
  imageRepository: string;
  sourceBucket: gcp.storage.Bucket;
  /** gs://… where jobs write outputs by default (KINETIC_OUTPUT_DIR_BASE). */
  outputsBucket: gcp.storage.Bucket;
  outputDirBase: string;
}

export function createRegistry(cfg: InfraConfig, dependsOn: pulumi.Resource[]): Registry {
  const repository = new gcp.artifactregistry.Repository(
    "images",
    {
      project: cfg.project,
      location: cfg.region,
      repositoryId: repositoryId(cfg.cluster),
      format: "DOCKER",
      description: "Kinetic job images",
    },
    { dependsOn },
  );
  const sourceBucket = new gcp.storage.Bucket(
    "function-sources",
    {
      project: cfg.project,
      name: bucketName(cfg.project, cfg.cluster, "functions"),
      location: cfg.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      // Only build artefacts live here; `kinetic down` may remove them.
      forceDestroy: true,
    },
    { dependsOn },
  );
  const outputs = outputsBucket(cfg.project, cfg.cluster);
  const outputsBucketResource = new gcp.storage.Bucket(
    "outputs",
    {
      project: cfg.project,
      name: outputs,
      location: cfg.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      // Outputs and checkpoints are kept OUTPUTS_RETENTION_DAYS; half-done uploads (a preempted writer) go after a day.
      lifecycleRules: [
        { action: { type: "Delete" }, condition: { age: OUTPUTS_RETENTION_DAYS } },
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 1 } },
      ],
    },
    // Job outputs are the users' results: `kinetic down` leaves the bucket (and what is in it) alone.
    { dependsOn, retainOnDelete: true },
  );
  return {
    repository,
    imageRepository: `${cfg.region}-docker.pkg.dev/${cfg.project}/${repositoryId(cfg.cluster)}`,
    sourceBucket,
    outputsBucket: outputsBucketResource,
    outputDirBase: `gs://${outputs}`,
  };
}
