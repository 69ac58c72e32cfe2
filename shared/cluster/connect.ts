/**
 * Chooses the cluster backend from configuration: a kubeconfig file (the
 * testbed or any cluster), or a GKE cluster looked up with the Container API
 * and Application Default Credentials, as the deployed functions do.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { KineticError } from "../errors.ts";
import { KubeCluster } from "./kube.ts";
import type { ClusterClient } from "./types.ts";

export interface GkeTarget {
  project: string;
  zone: string;
  cluster: string;
}

/** Access tokens last an hour; rebuild the client well before that. */
const TOKEN_REFRESH_MS = 45 * 60_000;

export async function connectCluster(env: NodeJS.ProcessEnv = process.env): Promise<ClusterClient> {
  const kubeconfig = env.KINETIC_KUBECONFIG ?? env.KUBECONFIG;
  if (kubeconfig) return KubeCluster.fromFile(kubeconfig);
  const project = env.KINETIC_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  if (project && env.KINETIC_ZONE && env.KINETIC_CLUSTER) {
    return connectGke({ project, zone: env.KINETIC_ZONE, cluster: env.KINETIC_CLUSTER });
  }
  throw new KineticError(
    "failed-precondition",
    "no cluster configured: set KINETIC_KUBECONFIG, or KINETIC_PROJECT, KINETIC_ZONE and KINETIC_CLUSTER",
  );
}

/**
 * What connecting to GKE needs from Google Cloud: the cluster's endpoint and
 * CA (Container API) and an access token (ADC). Behind an interface so tests
 * can stand in for the GKE cluster-management API, which nothing here runs.
 */
export interface GkeApis {
  getCluster(
    name: string,
  ): Promise<{ endpoint?: string | null; masterAuth?: { clusterCaCertificate?: string | null } | null }>;
  getAccessToken(): Promise<string | null | undefined>;
  now?(): number;
}

export async function googleApis(): Promise<GkeApis> {
  const [{ ClusterManagerClient }, { GoogleAuth }] = await Promise.all([
    import("@google-cloud/container"),
    import("google-auth-library"),
  ]);
  const manager = new ClusterManagerClient();
  const auth = new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  return {
    getCluster: async (name) => (await manager.getCluster({ name }))[0],
    getAccessToken: () => auth.getAccessToken(),
  };
}

/** A GKE cluster: endpoint and CA from getCluster, a bearer token from ADC, refreshed before it expires. */
export async function connectGke(target: GkeTarget, apis?: GkeApis): Promise<ClusterClient> {
  const gcp = apis ?? (await googleApis());
  const now = () => (gcp.now ? gcp.now() : Date.now());
  const name = `projects/${target.project}/locations/${target.zone}/clusters/${target.cluster}`;
  const cluster = await gcp.getCluster(name);
  const endpoint = cluster.endpoint;
  const ca = cluster.masterAuth?.clusterCaCertificate;
  if (!endpoint || !ca) {
    throw new KineticError("failed-precondition", `GKE cluster ${name} has no endpoint or CA certificate`);
  }
  let current: { client: KubeCluster; at: number } | undefined;
  const get = async () => {
    if (!current || now() - current.at > TOKEN_REFRESH_MS) {
      const token = await gcp.getAccessToken();
      if (!token) throw new KineticError("unauthenticated", "Application Default Credentials gave no access token");
      current = { client: new KubeCluster(gkeKubeConfig(target.cluster, endpoint, ca, token)), at: now() };
    }
    return current.client;
  };
  // Each call goes to a client whose token is fresh. Only ClusterClient's methods are forwarded
  // (not `then`, so awaiting this object does not mistake it for a promise).
  const forward =
    <K extends keyof ClusterClient>(method: K) =>
    async (...args: unknown[]) => {
      const client = await get();
      return (client[method] as (...a: unknown[]) => unknown).apply(client, args);
    };
  return {
    submit: forward("submit"),
    dryRun: forward("dryRun"),
    status: forward("status"),
    delete: forward("delete"),
    logs: forward("logs"),
    followLogs: forward("followLogs"),
    listManaged: forward("listManaged"),
    deleteObject: forward("deleteObject"),
    readWorkloads: forward("readWorkloads"),
  } as ClusterClient;
}

export function gkeKubeConfig(cluster: string, endpoint: string, caBase64: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster, server: `https://${endpoint}`, caData: caBase64, skipTLSVerify: false }],
    users: [{ name: "kinetic", token }],
    contexts: [{ name: cluster, cluster, user: "kinetic" }],
    currentContext: cluster,
  });
  return kc;
}
