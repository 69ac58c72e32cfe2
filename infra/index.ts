/**
 * The whole deployment as one function of its config, so tests (under
 * Pulumi's mocks) and the Automation API run exactly the same program.
 * Resources are created synchronously; the returned outputs become stack
 * outputs, and `pools` is what `kinetic pool add|rm|ls` reads back.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { enableApis } from "./apis.ts";
import { createCluster } from "./cluster.ts";
import type { InfraConfig, PoolSpec } from "./config.ts";
import { apiUrlFor } from "../shared/config/deployment-names.ts";
import { createFirestore, databaseOf } from "./firestore.ts";
import { createFunctions, type FunctionOptions } from "./functions.ts";
import { createIdentities, member } from "./iam.ts";
import { CLUSTER_QUEUE, LOCAL_QUEUE, installQueues } from "./kueue.ts";
import { clusterTopics, createTopics } from "./pubsub.ts";
import { createRegistry } from "./registry.ts";
import { createBuildAccess } from "./builds.ts";
import { createHookSecretAccess } from "./hook-secrets.ts";

export interface DeployOutputs {
  project: string;
  zone: string;
  cluster: pulumi.Output<string>;
  /** The accelerator pools as configured: the source of truth for `kinetic pool`. */
  pools: PoolSpec[];
  imageRepository: string;
  topics: Record<string, string>;
  functionUrls: Record<string, pulumi.Output<string>>;
  /** What the CLI calls: the cluster's api function (also the CLI's default API URL). */
  apiUrl: string;
  firestoreDatabase: string;
  outputDirBase: string;
  localQueue: string;
  clusterQueue: string;
}

export function deploy(cfg: InfraConfig, opts: FunctionOptions): DeployOutputs {
  const apis = enableApis(cfg);
  const ids = createIdentities(cfg, apis);
  const registry = createRegistry(cfg, apis);
  // Nodes pull job images from this one repository and nothing else.
  new gcp.artifactregistry.RepositoryIamMember("images-nodes-reader", {
    project: cfg.project,
    location: cfg.region,
    repository: registry.repository.name,
    role: "roles/artifactregistry.reader",
    member: member(ids.nodes),
  });
  // Jobs write outputs as their namespace's Kubernetes service accounts (Workload Identity), nothing more.
  cfg.namespaces.forEach((ns) => {
    new gcp.storage.BucketIAMMember(`outputs-writer-${ns}`, {
      bucket: registry.outputsBucket.name,
      role: "roles/storage.objectUser",
      member: pulumi.interpolate`principalSet://iam.googleapis.com/projects/${ids.projectNumber}/locations/global/workloadIdentityPools/${cfg.project}.svc.id.goog/namespace/${ns}`,
    });
  });
  // The API reads jobs' outputs (GET /jobs/{id}/outputs) for callers it has authorised per namespace.
  const apiSa = ids.runtime.get("api");
  if (apiSa)
    new gcp.storage.BucketIAMMember("outputs-api-reader", {
      bucket: registry.outputsBucket.name,
      role: "roles/storage.objectViewer",
      member: member(apiSa),
    });
  const gke = createCluster(cfg, ids.nodes.email, apis);
  const topics = createTopics(cfg, ids, apis);
  createFirestore(cfg, apis);
  const functions = createFunctions(cfg, ids, topics, registry, opts, apis);
  createBuildAccess(cfg, ids, registry, topics, apis);
  createHookSecretAccess(cfg, ids);
  installQueues(cfg, gke.cluster, ids, [gke.cpuPool]);
  return {
    project: cfg.project,
    zone: cfg.zone,
    cluster: gke.cluster.name,
    pools: cfg.pools,
    imageRepository: registry.imageRepository,
    topics: clusterTopics(cfg),
    functionUrls: Object.fromEntries(functions.map((f) => [f.spec.name, f.url])),
    apiUrl: apiUrlFor(cfg.project, cfg.region, cfg.cluster),
    firestoreDatabase: databaseOf(cfg),
    outputDirBase: registry.outputDirBase,
    localQueue: LOCAL_QUEUE,
    clusterQueue: CLUSTER_QUEUE,
  };
}
