/**
 * The Google Cloud APIs Kinetic needs. They stay enabled on `kinetic down`:
 * other workloads in the project may depend on them.
 */
import * as gcp from "@pulumi/gcp";
import type { InfraConfig } from "./config.ts";

export const REQUIRED_APIS = [
  "artifactregistry.googleapis.com",
  "cloudbuild.googleapis.com",
  "cloudfunctions.googleapis.com",
  "cloudscheduler.googleapis.com",
  "compute.googleapis.com",
  "container.googleapis.com",
  "firestore.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "logging.googleapis.com",
  "monitoring.googleapis.com",
  "pubsub.googleapis.com",
  "run.googleapis.com",
  "storage.googleapis.com",
] as const;

export function enableApis(cfg: InfraConfig): gcp.projects.Service[] {
  return REQUIRED_APIS.map(
    (service) =>
      new gcp.projects.Service(`api-${service.split(".")[0]}`, {
        project: cfg.project,
        service,
        disableOnDestroy: false,
        disableDependentServices: false,
      }),
  );
}
