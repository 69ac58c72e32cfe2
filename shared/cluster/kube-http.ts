/**
 * The transport under KubeCluster: API clients whose every request has a time
 * limit, and a pod log stream bounded by a connect and an idle limit instead.
 *
 * @kubernetes/client-node has no timeout option. Each request goes through the
 * configuration's middleware and then `fetch(url, { signal: ctx.getSignal() })`,
 * so a `pre` middleware that sets an AbortSignal bounds the request from send
 * to the end of the body. The abort reason is a ClusterTimeoutError, which
 * reaches the caller as is and maps to a retryable "cluster-unavailable".
 */
import http from "node:http";
import https from "node:https";
import {
  createConfiguration,
  KubernetesObjectApi,
  ServerConfiguration,
  setHeaderMiddleware,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from "@kubernetes/client-node";
import { ApiException } from "@kubernetes/client-node";
import { ClusterTimeoutError, formatMs } from "./kube-errors.ts";

/** Sets a fresh per-request deadline; the timer is unref'd so it never holds the process open. */
function timeoutMiddleware(limitMs: number) {
  return {
    pre: async (ctx: RequestContext) => {
      const controller = new AbortController();
      const request = `${ctx.getHttpMethod()} ${new URL(ctx.getUrl()).pathname}`;
      setTimeout(() => controller.abort(ClusterTimeoutError.request(request, limitMs)), limitMs).unref();
      ctx.setSignal(controller.signal);
      return ctx;
    },
    post: async <T>(response: T) => response,
  };
}

/**
 * The kubeconfig's authentication, over one connection pool per KubeConfig.
 * client-node builds a new undici Agent, so a new TCP and TLS handshake, for
 * every request; keeping the first lets requests reuse kept-alive connections
 * (measured: a Job create 151 → 99 ms). Credentials are headers, still applied
 * per request; the TLS identity of a KubeConfig does not change.
 */
const pools = new WeakMap<KubeConfig, SecurityAuthentication>();
function pooledAuth(kc: KubeConfig): SecurityAuthentication {
  let auth = pools.get(kc);
  if (!auth) {
    let dispatcher: ReturnType<RequestContext["getDispatcher"]>;
    auth = {
      getName: () => "kubeconfig authentication, pooled",
      applySecurityAuthentication: async (ctx: RequestContext) => {
        await kc.applySecurityAuthentication(ctx);
        dispatcher ??= ctx.getDispatcher();
        if (dispatcher) ctx.setDispatcher(dispatcher);
      },
    };
    pools.set(kc, auth);
  }
  return auth;
}

/** Like `kc.makeApiClient(Api)`, plus the per-request time limit and a shared connection pool. */
export function makeApiClient<T>(kc: KubeConfig, Api: new (config: Configuration) => T, limitMs: number): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: pooledAuth(kc) },
    middleware: [setHeaderMiddleware("User-Agent", "kinetic")],
    promiseMiddleware: [timeoutMiddleware(limitMs)],
  });
  return new Api(config);
}

/** Like `KubernetesObjectApi.makeApiClient(kc)` (the context's default namespace), plus the time limit. */
export function makeObjectApi(kc: KubeConfig, limitMs: number): KubernetesObjectApi {
  class ObjectApi extends KubernetesObjectApi {
    constructor(config: Configuration) {
      super(config);
      this.setDefaultNamespace(kc);
    }
  }
  return makeApiClient(kc, ObjectApi, limitMs);
}

export interface FollowLimits {
  /** Until the API server answers with the stream's headers. */
  connectMs: number;
  /** Between two chunks: a job may be silent for long (compiling), so this is generous. */
  idleMs: number;
}

/**
 * Streams one container's log (`follow=true`) until the API server closes it
 * (the container ended). client-node's Log takes no signal and never reports
 * the end of the stream, so this does the one GET itself with node:https and
 * the kubeconfig's TLS options and credentials.
 */
export async function followPodLog(
  kc: KubeConfig,
  pod: { namespace: string; name: string; container: string; tailLines?: number },
  onChunk: (text: string) => void,
  limits: FollowLimits,
): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(`${server}/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/log`);
  url.searchParams.set("container", pod.container);
  url.searchParams.set("follow", "true");
  if (pod.tailLines) url.searchParams.set("tailLines", String(pod.tailLines));
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const request = `GET ${url.pathname}`;
  await new Promise<void>((resolve, reject) => {
    const req = (url.protocol === "http:" ? http : https).request(url, { ...options, method: "GET" }, (res) => {
      clearTimeout(connectTimer);
      if (res.statusCode !== 200) {
        readBody(res).then(
          (body) => reject(new ApiException(res.statusCode ?? 0, `log stream: HTTP ${res.statusCode}`, body, {})),
          reject,
        );
        return;
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => onChunk(chunk));
      res.on("end", () => resolve());
      res.on("error", reject);
    });
    const connectTimer = setTimeout(
      () => req.destroy(ClusterTimeoutError.request(request, limits.connectMs)),
      limits.connectMs,
    );
    // Socket inactivity: no byte in either direction for idleMs (checked again on every chunk).
    req.setTimeout(limits.idleMs, () =>
      req.destroy(new ClusterTimeoutError(`no log output on ${request} for ${formatMs(limits.idleMs)}`, limits.idleMs)),
    );
    req.on("error", (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.end();
  });
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  let body = "";
  res.setEncoding("utf8");
  for await (const chunk of res) body += chunk as string;
  return body;
}
