/**
 * Chooses the cluster backend from configuration: a kubeconfig file (the
 * testbed or any cluster), or a GKE cluster looked up with the Container API
 * and Application Default Credentials, as the deployed functions do.
 * Either way the client refreshes its credentials when the API server
 * refuses them and retries the call once (./refresh.ts), and every request
 * has a time limit (KINETIC_CLUSTER_TIMEOUT_SECONDS, default 30).
 */
import { KubeConfig } from "@kubernetes/client-node";
import { KineticError } from "../errors.ts";
import { log as defaultLog, type Logger } from "../log.ts";
import { TIMEOUT_SETTING, type ClusterCredentialError } from "./kube-errors.ts";
import { DEFAULT_TIMEOUT_MS, KubeCluster } from "./kube.ts";
import { refreshingCluster } from "./refresh.ts";
import type { ClusterClient } from "./types.ts";

export interface GkeTarget {
  project: string;
  zone: string;
  cluster: string;
}

/** Access tokens last an hour; rebuild the client well before that. */
const TOKEN_REFRESH_MS = 45 * 60_000;

export interface ConnectOptions {
  /** Limit of each API request (log streams: of their start). */
  timeoutMs?: number;
  /** Where a refused credential (and its refresh) is reported. */
  log?: Logger;
}

export async function connectCluster(env: NodeJS.ProcessEnv = process.env): Promise<ClusterClient> {
  const options = { timeoutMs: clusterTimeoutMs(env) };
  const kubeconfig = env.KINETIC_KUBECONFIG ?? env.KUBECONFIG;
  if (kubeconfig) {
    // Re-reading the file is the refresh: rotated tokens and exec credential plugins are picked up.
    const connect = async () => KubeCluster.fromFile(kubeconfig, options);
    return refreshingCluster({
      connect,
      initial: KubeCluster.fromFile(kubeconfig, options),
      onRefused: reportRefusal(defaultLog),
    });
  }
  const project = env.KINETIC_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  if (project && env.KINETIC_ZONE && env.KINETIC_CLUSTER) {
    return connectGke({ project, zone: env.KINETIC_ZONE, cluster: env.KINETIC_CLUSTER }, undefined, options);
  }
  throw new KineticError(
    "failed-precondition",
    "no cluster configured: set KINETIC_KUBECONFIG, or KINETIC_PROJECT, KINETIC_ZONE and KINETIC_CLUSTER",
  );
}

/** KINETIC_CLUSTER_TIMEOUT_SECONDS in ms; a bad value fails loudly with the variable's name. */
export function clusterTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[TIMEOUT_SETTING];
  if (raw === undefined || raw === "") return DEFAULT_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new KineticError(
      "invalid-argument",
      `invalid Kinetic configuration: ${TIMEOUT_SETTING}: expected a positive whole number of seconds, got "${raw}"`,
      {
        issues: [{ field: TIMEOUT_SETTING, message: "expected a positive whole number of seconds" }],
      },
    );
  }
  return seconds * 1000;
}

const reportRefusal = (log: Logger) => (err: ClusterCredentialError) =>
  log.warn("the Kubernetes API server refused the credentials; refreshing them and retrying once", {
    status: err.httpStatus,
    error: err.message,
  });

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

/**
 * A GKE cluster: endpoint and CA from getCluster, a bearer token from ADC, refreshed before it expires and
 * again (once per call) when the API server refuses it.
 */
export async function connectGke(
  target: GkeTarget,
  apis?: GkeApis,
  options: ConnectOptions = {},
): Promise<ClusterClient> {
  const gcp = apis ?? (await googleApis());
  const now = () => (gcp.now ? gcp.now() : Date.now());
  const name = `projects/${target.project}/locations/${target.zone}/clusters/${target.cluster}`;
  const cluster = await gcp.getCluster(name);
  const endpoint = cluster.endpoint;
  const ca = cluster.masterAuth?.clusterCaCertificate;
  if (!endpoint || !ca) {
    throw new KineticError("failed-precondition", `GKE cluster ${name} has no endpoint or CA certificate`);
  }
  return refreshingCluster({
    connect: async () => {
      const token = await gcp.getAccessToken();
      if (!token) throw new KineticError("unauthenticated", "Application Default Credentials gave no access token");
      return new KubeCluster(gkeKubeConfig(target.cluster, endpoint, ca, token), options);
    },
    maxAgeMs: TOKEN_REFRESH_MS,
    now,
    onRefused: reportRefusal(options.log ?? defaultLog),
  });
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
