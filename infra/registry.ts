/**
 * The Artifact Registry repository for job images (`kinetic build` pushes here)
 * and a bucket for the functions' source archives.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { InfraConfig } from "./config.ts";

export interface Registry {
  repository: gcp.artifactregistry.Repository;
  /** e.g. us-central1-docker.pkg.dev/my-project/kinetic */
  imageRepository: string;
  sourceBucket: gcp.storage.Bucket;
}

export function createRegistry(cfg: InfraConfig, dependsOn: pulumi.Resource[]): Registry {
  const repository = new gcp.artifactregistry.Repository(
    "images",
    {
      project: cfg.project,
      location: cfg.region,
      repositoryId: "kinetic",
      format: "DOCKER",
      description: "Kinetic job images",
    },
    { dependsOn },
  );
  const sourceBucket = new gcp.storage.Bucket(
    "function-sources",
    {
      project: cfg.project,
      name: `${cfg.project}-kinetic-functions`,
      location: cfg.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      // Only build artefacts live here; `kinetic down` may remove them.
      forceDestroy: true,
    },
    { dependsOn },
  );
  return {
    repository,
    imageRepository: `${cfg.region}-docker.pkg.dev/${cfg.project}/kinetic`,
    sourceBucket,
  };
}
