/**
 * A faithful fake of the two GKE calls Kinetic makes (Container API
 * getCluster, ADC access token), backed by a real API server: it answers
 * with the testbed's endpoint, CA and a token the testbed accepts. Nothing
 * on this machine runs the GKE cluster-management API itself.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { GkeApis } from "../../shared/cluster/connect.ts";

interface Kubeconfig {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { user: { token: string } }[];
}

export class FakeGkeApis implements GkeApis {
  readonly clusterNames: string[] = [];
  tokensIssued = 0;
  nowMs = Date.now();
  private readonly endpoint: string;
  private readonly ca: string;
  private readonly token: string;
  private readonly known: string;

  /** `known` is the only cluster resource name that exists, as in projects/P/locations/Z/clusters/C. */
  constructor(kubeconfigPath: string, known: string) {
    const kc = parse(readFileSync(kubeconfigPath, "utf8")) as Kubeconfig;
    this.endpoint = new URL(kc.clusters[0]!.cluster.server).host;
    this.ca = kc.clusters[0]!.cluster["certificate-authority-data"];
    this.token = kc.users[0]!.user.token;
    this.known = known;
  }

  async getCluster(name: string) {
    this.clusterNames.push(name);
    if (name !== this.known) {
      throw Object.assign(new Error(`5 NOT_FOUND: Not found: ${name}.`), { code: 5 });
    }
    // GKE returns the bare endpoint (an IP) and the CA as base64 PEM, as here.
    return { endpoint: this.endpoint, masterAuth: { clusterCaCertificate: this.ca } };
  }

  async getAccessToken() {
    this.tokensIssued++;
    return this.token;
  }

  now() {
    return this.nowMs;
  }
}
