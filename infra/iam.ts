/**
 * Identities, least privilege: one runtime service account per function with
 * only the project roles the deploy declaration lists (+ read access to find the cluster;
 * what it may do inside the cluster is Kubernetes RBAC, see kueue.ts), one
 * invoker for Pub/Sub push, one for Cloud Scheduler, and one for the nodes.
 * Resource-scoped grants (topics, functions, repository) sit next to the
 * resource they scope to. Primitive roles are refused outright.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { FUNCTIONS, type FunctionSpec } from "../functions/deploy.ts";
import type { InfraConfig } from "./config.ts";
import { accountId } from "../shared/config/deployment-names.ts";
import { functionSlug, runtimeAccountId } from "./naming.ts";

export const PRIMITIVE_ROLES = ["roles/owner", "roles/editor", "roles/viewer"] as const;

/** Lets a function read the cluster's endpoint; Kubernetes RBAC decides the rest. */
export const CLUSTER_LOOKUP_ROLE = "roles/container.clusterViewer";
/** GKE's minimal role for a custom node service account (logs, metrics, metadata). */
export const NODE_ROLE = "roles/container.defaultNodeServiceAccount";

export function assertNotPrimitive(role: string, where: string): void {
  if ((PRIMITIVE_ROLES as readonly string[]).includes(role)) {
    throw new Error(`${where}: primitive role ${role} is not allowed; grant a predefined role scoped to the need`);
  }
}

export interface Identities {
  runtime: Map<string, gcp.serviceaccount.Account>;
  pushInvoker: gcp.serviceaccount.Account;
  scheduler: gcp.serviceaccount.Account;
  nodes: gcp.serviceaccount.Account;
  /** IAM member of the project's Pub/Sub service agent. */
  pubsubAgent: pulumi.Output<string>;
  projectNumber: pulumi.Output<string>;
}

export const member = (sa: gcp.serviceaccount.Account): pulumi.Output<string> =>
  pulumi.interpolate`serviceAccount:${sa.email}`;

function runtimeAccount(
  cfg: InfraConfig,
  spec: FunctionSpec,
  dependsOn: pulumi.Resource[],
): gcp.serviceaccount.Account {
  const slug = functionSlug(spec);
  const sa = new gcp.serviceaccount.Account(
    `sa-${slug}`,
    {
      project: cfg.project,
      accountId: runtimeAccountId(cfg.cluster, spec),
      displayName: `Kinetic ${cfg.cluster} ${spec.name} (runtime)`,
    },
    { dependsOn },
  );
  const roles = [...spec.roles, ...(spec.cluster ? [CLUSTER_LOOKUP_ROLE] : [])];
  for (const role of new Set(roles)) {
    assertNotPrimitive(role, `function ${spec.name}`);
    new gcp.projects.IAMMember(`sa-${slug}-${role.replace(/^roles\//, "").replace(/\./g, "-")}`, {
      project: cfg.project,
      role,
      member: member(sa),
    });
  }
  return sa;
}

export function createIdentities(cfg: InfraConfig, dependsOn: pulumi.Resource[]): Identities {
  const runtime = new Map(FUNCTIONS.map((spec) => [spec.name, runtimeAccount(cfg, spec, dependsOn)] as const));
  const pushInvoker = new gcp.serviceaccount.Account(
    "sa-push",
    {
      project: cfg.project,
      accountId: accountId(cfg.cluster, "push"),
      displayName: `Kinetic ${cfg.cluster} Pub/Sub push invoker`,
    },
    { dependsOn },
  );
  const scheduler = new gcp.serviceaccount.Account(
    "sa-scheduler",
    {
      project: cfg.project,
      accountId: accountId(cfg.cluster, "scheduler"),
      displayName: `Kinetic ${cfg.cluster} Cloud Scheduler invoker`,
    },
    { dependsOn },
  );
  const nodes = new gcp.serviceaccount.Account(
    "sa-nodes",
    {
      project: cfg.project,
      accountId: accountId(cfg.cluster, "nodes"),
      displayName: `Kinetic ${cfg.cluster} GKE nodes`,
    },
    { dependsOn },
  );
  new gcp.projects.IAMMember("sa-nodes-default-node", { project: cfg.project, role: NODE_ROLE, member: member(nodes) });

  const projectInfo = gcp.organizations.getProjectOutput({ projectId: cfg.project });
  const pubsubAgent = pulumi.interpolate`serviceAccount:service-${projectInfo.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;
  // The push subscription mints OIDC tokens as the invoker: scoped to that one account.
  new gcp.serviceaccount.IAMMember("push-token-creator", {
    serviceAccountId: pushInvoker.name,
    role: "roles/iam.serviceAccountTokenCreator",
    member: pubsubAgent,
  });
  return { runtime, pushInvoker, scheduler, nodes, pubsubAgent, projectNumber: projectInfo.number };
}
