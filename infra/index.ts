/**
 * The whole deployment as one function of its config, so tests (under
 * Pulumi's mocks) and the Automation API run exactly the same program.
 * Resources are created synchronously; the returned outputs become stack
 * outputs, and `pools` is what `kinetic pool add|rm|ls` reads back.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { TOPICS } from "../shared/bus/topics.ts";
import { enableApis } from "./apis.ts";
import { createCluster } from "./cluster.ts";
import type { InfraConfig, PoolSpec } from "./config.ts";
import { createFirestore } from "./firestore.ts";
import { createFunctions, type FunctionOptions } from "./functions.ts";
import { createIdentities, member } from "./iam.ts";
import { CLUSTER_QUEUE, LOCAL_QUEUE, installQueues } from "./kueue.ts";
import { createTopics } from "./pubsub.ts";
import { createRegistry } from "./registry.ts";

export interface DeployOutputs {
  project: string;
  zone: string;
  cluster: pulumi.Output<string>;
  /** The accelerator pools as configured: the source of truth for `kinetic pool`. */
  pools: PoolSpec[];
  imageRepository: string;
  topics: Record<string, string>;
  functionUrls: Record<string, pulumi.Output<string>>;
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
  const gke = createCluster(cfg, ids.nodes.email, apis);
  const topics = createTopics(cfg, ids, apis);
  createFirestore(cfg, apis);
  const functions = createFunctions(cfg, ids, topics, registry, opts, apis);
  installQueues(cfg, gke.cluster, ids, [gke.cpuPool]);
  return {
    project: cfg.project,
    zone: cfg.zone,
    cluster: gke.cluster.name,
    pools: cfg.pools,
    imageRepository: registry.imageRepository,
    topics: { ...TOPICS },
    functionUrls: Object.fromEntries(functions.map((f) => [f.spec.name, f.url])),
    localQueue: LOCAL_QUEUE,
    clusterQueue: CLUSTER_QUEUE,
  };
}
