/** The transport's time limits, against a scripted HTTP server on 127.0.0.1 (plain HTTP: TLS is not the point). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { ClusterCredentialError, ClusterTimeoutError, toKineticError } from "./kube-errors.ts";
import { followPodLog, makeApiClient } from "./kube-http.ts";

let server: Server | undefined;
const seen: IncomingMessage[] = [];

afterEach(async () => {
  seen.length = 0;
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<KubeConfig> {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    ],
    users: [{ name: "u", token: "secret-token" }],
    contexts: [{ name: "c", cluster: "c", user: "u" }],
    currentContext: "c",
  });
  return kc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pod = { namespace: "ns", name: "p-0", container: "main" };

describe("makeApiClient", () => {
  it("aborts a request that gets no answer within the limit, naming the request and the limit", async () => {
    const kc = await serve(() => {}); // never answers
    const core = makeApiClient(kc, CoreV1Api, 200);
    const t0 = Date.now();
    const err = await core.listNamespacedPod({ namespace: "ns" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterTimeoutError);
    expect((err as Error).message).toBe(
      "the Kubernetes API server did not answer GET /api/v1/namespaces/ns/pods within 200 ms",
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("bounds the body too: headers then silence is a timeout", async () => {
    const kc = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"kind":"PodList","items":[');
    });
    const err = await makeApiClient(kc, CoreV1Api, 300)
      .listNamespacedPod({ namespace: "ns" })
      .catch((e: unknown) => e);
    expect(toKineticError(err, "list pods").code).toBe("cluster-unavailable");
    expect(toKineticError(err, "list pods").message).toMatch(/within 300 ms \(KINETIC_CLUSTER_TIMEOUT_SECONDS\)$/);
  });

  it("sends the kubeconfig's credentials and returns answers given in time", async () => {
    const kc = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}');
    });
    expect((await makeApiClient(kc, CoreV1Api, 1_000).listNamespacedPod({ namespace: "ns" })).items).toEqual([]);
    expect(seen[0]!.headers.authorization).toBe("Bearer secret-token");
    expect(seen[0]!.headers["user-agent"]).toBe("kinetic");
  });
});

describe("followPodLog", () => {
  it("streams for longer than the connect limit and resolves when the server ends the stream", async () => {
    const kc = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      for (const line of ["step 1\n", "step 2\n", "done\n"]) {
        res.write(line);
        await sleep(150);
      }
      res.end();
    });
    const chunks: string[] = [];
    await followPodLog(kc, { ...pod, tailLines: 10 }, (t) => chunks.push(t), { connectMs: 200, idleMs: 1_000 });
    expect(chunks.join("")).toBe("step 1\nstep 2\ndone\n");
    const url = new URL(seen[0]!.url!, "http://x");
    expect(url.pathname).toBe("/api/v1/namespaces/ns/pods/p-0/log");
    expect(Object.fromEntries(url.searchParams)).toEqual({ container: "main", follow: "true", tailLines: "10" });
    expect(seen[0]!.headers.authorization).toBe("Bearer secret-token");
  });

  it("gives up when the stream does not start within the connect limit", async () => {
    const kc = await serve(() => {});
    const err = await followPodLog(kc, pod, () => {}, { connectMs: 200, idleMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterTimeoutError);
    expect((err as Error).message).toMatch(
      /did not answer GET \/api\/v1\/namespaces\/ns\/pods\/p-0\/log within 200 ms/,
    );
  });

  it("ends a stream that stays silent past the idle limit", async () => {
    const kc = await serve((_req, res) => {
      res.writeHead(200);
      res.write("compiling…\n");
    });
    const chunks: string[] = [];
    const err = await followPodLog(kc, pod, (t) => chunks.push(t), { connectMs: 1_000, idleMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(chunks).toEqual(["compiling…\n"]);
    expect((err as Error).message).toBe("no log output on GET /api/v1/namespaces/ns/pods/p-0/log for 300 ms");
  });

  it("reports the API server's refusal as the API error it is", async () => {
    const kc = await serve((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
    });
    const err = await followPodLog(kc, pod, () => {}, { connectMs: 1_000, idleMs: 1_000 }).catch((e: unknown) => e);
    expect(toKineticError(err, "follow logs")).toBeInstanceOf(ClusterCredentialError);
  });
});
