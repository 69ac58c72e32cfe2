/**
 * Push-hook secrets in Secret Manager: one secret per registered repository,
 * named `kinetic-hook-{cluster}-{repo id}` (shared/builds/hook-settings.ts).
 * Only pushHook may read them: secretAccessor, conditioned on that name
 * prefix. The API registers and removes repositories, so it may create
 * secrets, add versions and delete them, through a custom role that has no
 * permission to read a payload back.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { hookSecretPrefix } from "../shared/builds/hook-settings.ts";
import type { InfraConfig } from "./config.ts";
import { member, type Identities } from "./iam.ts";

/** What the API needs to register a repository's secret, and nothing that reads one. */
export const HOOK_SECRET_WRITER_PERMISSIONS = [
  "secretmanager.secrets.create",
  "secretmanager.secrets.delete",
  "secretmanager.secrets.get",
  "secretmanager.versions.add",
] as const;

export function createHookSecretAccess(cfg: InfraConfig, ids: Identities): void {
  const hook = ids.runtime.get("pushHook");
  const api = ids.runtime.get("api");
  if (!hook || !api) throw new Error("push-hook secrets need the pushHook and api functions in functions/deploy.ts");
  const prefix = pulumi.interpolate`projects/${ids.projectNumber}/secrets/${hookSecretPrefix(cfg.cluster)}`;
  new gcp.projects.IAMMember("hook-secrets-accessor", {
    project: cfg.project,
    role: "roles/secretmanager.secretAccessor",
    member: member(hook),
    condition: {
      title: "kinetic push-hook secrets",
      description: "only this cluster's push-hook secrets",
      expression: pulumi.interpolate`resource.name.startsWith("${prefix}")`,
    },
  });
  const writer = new gcp.projects.IAMCustomRole("hook-secrets-writer", {
    project: cfg.project,
    roleId: `kineticHookSecretWriter_${cfg.cluster.replace(/[^A-Za-z0-9]/g, "_")}`,
    title: `Kinetic ${cfg.cluster} push-hook secret writer`,
    permissions: [...HOOK_SECRET_WRITER_PERMISSIONS],
  });
  new gcp.projects.IAMMember("hook-secrets-writer-api", {
    project: cfg.project,
    role: writer.name,
    member: member(api),
  });
}
