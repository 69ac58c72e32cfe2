/**
 * A Kubernetes create over one kept-alive TLS connection (node:https with a
 * keep-alive Agent and the kubeconfig's credentials), to show what the
 * floor's Kubernetes create would cost without @kubernetes/client-node's
 * per-request connection: its KubeConfig builds a new undici Agent for every
 * request (applySecurityAuthentication → createDispatcher), so every API call
 * pays a TCP connect and a full TLS handshake, ours and the floor's alike.
 */
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Workload } from "../../shared/cluster/types.ts";

export interface KeepAliveCreator {
  create(obj: Workload): Promise<void>;
  close(): void;
}

export async function keepAliveCreator(kc: KubeConfig): Promise<KeepAliveCreator> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig has no current cluster");
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const agent = new https.Agent({
    keepAlive: true,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
  });
  const headers = (options.headers ?? {}) as Record<string, string>;
  return {
    create: (obj) => {
      const group = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
      const url = new URL(`${server}${group}/namespaces/${obj.metadata.namespace}/${obj.kind.toLowerCase()}s`);
      const body = JSON.stringify(obj);
      return new Promise<void>((resolve, reject) => {
        const req = https.request(
          url,
          { method: "POST", agent, headers: { ...headers, "content-type": "application/json" } },
          (res) => {
            res.resume();
            res.on("end", () =>
              res.statusCode === 201 || res.statusCode === 409
                ? resolve()
                : reject(new Error(`POST ${url.pathname}: HTTP ${res.statusCode}`)),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
