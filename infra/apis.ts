/**
 * The Google Cloud APIs Kinetic needs. They stay enabled on `kinetic down`:
 * other workloads in the project may depend on them.
 */
import * as gcp from "@pulumi/gcp";
import { REQUIRED_APIS } from "./api-list.ts";
import type { InfraConfig } from "./config.ts";

export { REQUIRED_APIS } from "./api-list.ts";

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
