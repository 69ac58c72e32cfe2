/**
 * Image builds in the cloud: the service account Cloud Builds run as (it
 * pushes to the cluster's repository and reads the uploaded sources, nothing
 * else), the buildImage function's right to start builds as it and to upload
 * sources, and Cloud Build's right to publish status on the cluster's own
 * cloud-builds topic (each build names it in options.pubsubTopic). The names
 * derive from the config alone, so the functions' environment (function-env.ts)
 * needs no resource to name them.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { TopicKey } from "../shared/bus/topics.ts";
import { accountId, bucketName, repositoryId } from "../shared/config/deployment-names.ts";
import type { InfraConfig } from "./config.ts";
import { member, type Identities } from "./iam.ts";
import type { TopicSet } from "./pubsub.ts";
import type { Registry } from "./registry.ts";

/** Where built images go: <region>-docker.pkg.dev/<project>/kinetic-{tag}/jobs. */
export const buildRepository = (cfg: InfraConfig): string =>
  `${cfg.region}-docker.pkg.dev/${cfg.project}/${repositoryId(cfg.cluster)}/jobs`;
/** Source archives share the function-sources bucket, under kinetic-builds/. */
export const buildSourceBucket = (cfg: InfraConfig): string => bucketName(cfg.project, cfg.cluster, "functions");
export const buildServiceAccount = (cfg: InfraConfig): string =>
  `${accountId(cfg.cluster, "build")}@${cfg.project}.iam.gserviceaccount.com`;

export function createBuildAccess(
  cfg: InfraConfig,
  ids: Identities,
  registry: Registry,
  topics: Map<TopicKey, TopicSet>,
  dependsOn: pulumi.Resource[],
): gcp.serviceaccount.Account {
  const sa = new gcp.serviceaccount.Account(
    "sa-build",
    {
      project: cfg.project,
      accountId: accountId(cfg.cluster, "build"),
      displayName: `Kinetic ${cfg.cluster} Cloud Build (image builds)`,
    },
    { dependsOn },
  );
  new gcp.artifactregistry.RepositoryIamMember("images-build-writer", {
    project: cfg.project,
    location: cfg.region,
    repository: registry.repository.name,
    role: "roles/artifactregistry.writer",
    member: member(sa),
  });
  new gcp.storage.BucketIAMMember("sources-build-reader", {
    bucket: registry.sourceBucket.name,
    role: "roles/storage.objectViewer",
    member: member(sa),
  });
  // A user-managed build account writes its own logs (CLOUD_LOGGING_ONLY).
  new gcp.projects.IAMMember("sa-build-log-writer", {
    project: cfg.project,
    role: "roles/logging.logWriter",
    member: member(sa),
  });
  const runner = ids.runtime.get("buildImage");
  if (runner) {
    // Creating a build that runs as `sa` needs actAs on that one account.
    new gcp.serviceaccount.IAMMember("sa-build-user-build-image", {
      serviceAccountId: sa.name,
      role: "roles/iam.serviceAccountUser",
      member: member(runner),
    });
    new gcp.storage.BucketIAMMember("sources-build-image-uploader", {
      bucket: registry.sourceBucket.name,
      role: "roles/storage.objectUser",
      member: member(runner),
    });
  }
  const status = topics.get("cloudBuilds");
  if (status) {
    new gcp.pubsub.TopicIAMMember("topic-cloudBuilds-cloudbuild-publisher", {
      project: cfg.project,
      topic: status.topic.name,
      role: "roles/pubsub.publisher",
      member: pulumi.interpolate`serviceAccount:service-${ids.projectNumber}@gcp-sa-cloudbuild.iam.gserviceaccount.com`,
    });
  }
  return sa;
}
