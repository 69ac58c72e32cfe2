// A fault-injecting HTTPS reverse proxy in front of the testbed's kube-apiserver, on 127.0.0.1. Requests pass
// through unchanged (same bearer token) unless a rule matches them (method + path); a rule can:
//   fail-before   answer 503 without forwarding (nothing happened on the server)
//   fail-after    forward, wait for the server's answer, then answer 503 instead (it happened; the client saw an error)
//   delay         wait, then forward (even if the client gave up meanwhile, as a slow server would still act)
//   unauthorized  answer 401 like the API server does for a token it does not accept
// Each rule faults `times` matching requests (default 1), each with `probability` (default 1: every one), then lets
// them pass. `kubeconfigPath` is a copy of the testbed's kubeconfig with the proxy as server. TLS: the proxy serves
// the testbed's own serving certificate (valid for 127.0.0.1, signed by the testbed CA) found beside the kubeconfig,
// so clients need no other trust.
//
//   const proxy = await startFaultProxy(process.env.KINETIC_TEST_KUBECONFIG!);
//   const rule = proxy.add({ method: "POST", path: /\/jobs$/, fault: { kind: "fail-after" } });
//   ... rule.hits, proxy.stats, await proxy.idle(); await proxy.stop();
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";

export type Fault =
  | { kind: "fail-before"; status?: number }
  | { kind: "fail-after"; status?: number }
  | { kind: "delay"; ms: number }
  | { kind: "unauthorized" };

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Matched against the path without the query, e.g. /\/namespaces\/ns-1\/jobs$/. */
  path: RegExp;
  fault: Fault;
  /** How many matching requests to fault (default 1; Infinity for all). */
  times?: number;
  /** Fault each matching request with this probability (default 1), e.g. 0.05 for a random 5 %. */
  probability?: number;
}

export interface ActiveRule {
  /** Matching requests faulted so far. */
  readonly hits: number;
  /** Matching requests so far, faulted or passed through (e.g. a client's retry). */
  readonly matches: number;
  remove(): void;
}

export interface FaultProxyStats {
  requests: number;
  forwarded: number;
  faulted: Record<Fault["kind"], number>;
}

export interface FaultProxy {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** A kubeconfig like the testbed's, with the proxy as server (same CA, same token). */
  readonly kubeconfigPath: string;
  readonly stats: FaultProxyStats;
  add(rule: FaultRule): ActiveRule;
  /** Resolves once no request is in flight (a delayed request has been forwarded and answered). */
  idle(): Promise<void>;
  /** Closes every connection and removes the kubeconfig copy; idempotent. */
  stop(): Promise<void>;
}

interface Kubeconfig {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
}

export async function startFaultProxy(testbedKubeconfig: string): Promise<FaultProxy> {
  const config = parse(readFileSync(testbedKubeconfig, "utf8")) as Kubeconfig;
  const cluster = config.clusters[0]!.cluster;
  const upstream = new URL(cluster.server);
  const ca = Buffer.from(cluster["certificate-authority-data"], "base64");
  const agent = new https.Agent({ ca, keepAlive: true });
  const dir = dirname(testbedKubeconfig);
  const tls = { cert: readFileSync(join(dir, "serving.crt")), key: readFileSync(join(dir, "serving.key")) };

  const rules: Array<FaultRule & { times: number; hits: number; matches: number }> = [];
  const stats: FaultProxyStats = {
    requests: 0,
    forwarded: 0,
    faulted: { "fail-before": 0, "fail-after": 0, delay: 0, unauthorized: 0 },
  };
  let stopped: Promise<void> | undefined;
  let inFlight = 0;
  const waiters: Array<() => void> = [];
  const done = () => {
    if (--inFlight === 0) for (const w of waiters.splice(0)) w();
  };

  /** Forwards the request; `onAnswer` gets the upstream response, or undefined if the server was unreachable. */
  const forward = (req: IncomingMessage, body: Buffer, onAnswer: (res: IncomingMessage | undefined) => void) => {
    if (stopped) return onAnswer(undefined); // a delay that outlived stop(): never reach the server afterwards
    stats.forwarded++;
    const headers = { ...req.headers, host: upstream.host };
    const up = https.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      onAnswer,
    );
    up.on("error", () => onAnswer(undefined));
    up.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const path = new URL(req.url ?? "/", "https://proxy").pathname;
    const matching = rules.filter((r) => (!r.method || r.method === req.method) && r.path.test(path));
    for (const r of matching) r.matches++;
    const rule = matching.find((r) => r.hits < r.times && (r.probability ?? 1) > Math.random());
    const fault = rule?.fault;
    if (rule && fault) {
      rule.hits++;
      stats.faulted[fault.kind]++;
    }
    // The whole request body first: a fault answered before forwarding must not leave it unread.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);

    if (fault?.kind === "fail-before") return status(res, fault.status ?? 503, "injected before forwarding");
    if (fault?.kind === "unauthorized") return status(res, 401, "Unauthorized");
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    await new Promise<void>((resolve) =>
      forward(req, body, (answer) => {
        if (!answer) {
          status(res, 502, "the API server is unreachable");
          return resolve();
        }
        if (fault?.kind === "fail-after") {
          // Let the server finish (the object exists), then tell the client it failed.
          answer.resume();
          answer.on("end", () => {
            status(res, fault.status ?? 503, `injected after forwarding (the server answered ${answer.statusCode})`);
            resolve();
          });
          return;
        }
        if (res.destroyed) {
          answer.resume(); // the client gave up (a delay past its timeout): drain and drop
          return answer.on("end", resolve);
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", resolve);
        answer.on("error", () => resolve());
        res.on("close", () => resolve());
      }),
    );
  };

  const server = https.createServer(tls, (req, res) => {
    inFlight++;
    handle(req, res)
      .catch(() => res.destroy())
      .finally(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kubeconfigDir = mkdtempSync(join(tmpdir(), "kinetic-fault-proxy-"));
  const kubeconfigPath = join(kubeconfigDir, "kubeconfig");
  cluster.server = url;
  writeFileSync(kubeconfigPath, stringify(config), { mode: 0o600 });

  return {
    url,
    kubeconfigPath,
    stats,
    add(rule) {
      const active = { ...rule, times: rule.times ?? 1, hits: 0, matches: 0 };
      rules.push(active);
      return {
        get hits() {
          return active.hits;
        },
        get matches() {
          return active.matches;
        },
        remove() {
          const i = rules.indexOf(active);
          if (i >= 0) rules.splice(i, 1);
        },
      };
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
        for (const w of waiters.splice(0)) w();
        rmSync(kubeconfigDir, { recursive: true, force: true });
      });
      return stopped;
    },
  };
}

/** An answer in the API server's own shape (a Status object), so clients parse it as they would a real one. */
function status(res: ServerResponse, code: number, message: string): void {
  const reason = code === 401 ? "Unauthorized" : code === 503 ? "ServiceUnavailable" : "InternalError";
  const body = JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });
  if (res.destroyed) return;
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
