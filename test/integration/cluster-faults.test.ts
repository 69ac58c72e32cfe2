/**
 * Cluster faults on the real testbed, through a fault proxy in front of its kube-apiserver: a create that happened
 * though the client saw an error (the retry meets the 409), a create refused before it happened, a server slower than
 * the request limit, and credentials the API server refuses (refreshed once, then permanent).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchV1Api, CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { KineticError } from "../../shared/errors.ts";
import { connectGke } from "../../shared/cluster/connect.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import type { ClusterClient, Workload } from "../../shared/cluster/types.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { workloadName } from "../../shared/manifests/names.ts";
import { memoryDeps } from "../../shared/testing.ts";
import { createTestNamespace, kubeConfigFromEnv, startFaultProxy, type FaultProxy } from "../../testbed/index.ts";
import type { TestNamespace } from "../../testbed/index.ts";
import { FakeGkeApis } from "../fakes/gke-cluster-manager.ts";
import { testLog, uniqueId } from "./support.ts";

let ns: TestNamespace;
let proxy: FaultProxy;
const kc = () => kubeConfigFromEnv();

beforeAll(async () => {
  [ns, proxy] = await Promise.all([
    createTestNamespace("faults"),
    startFaultProxy(process.env.KINETIC_TEST_KUBECONFIG!),
  ]);
});

afterAll(async () => {
  await proxy?.stop();
  await ns?.cleanup();
});

/** POST of a Job into the test namespace: the create itself (not the discovery GET before it). */
const createJobs = () => new RegExp(`^/apis/batch/v1/namespaces/${ns.name}/jobs$`);

/** The Job objects named for this job, read from the API server directly (not through the proxy). */
async function jobObjects(id: string): Promise<number> {
  const list = await kc().makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns.name });
  return list.items.filter((j) => j.metadata?.name === workloadName(id)).length;
}

const spec = (id: string) => ({
  id,
  namespace: ns.name,
  image: "python:3.12-slim",
  command: ["python", "-c", "print('ok')"],
  cpu: "100m",
  memory: "128Mi",
});

function workload(name: string, namespace = ns.name): Workload {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "kinetic" } },
    spec: {
      suspend: true,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "python:3.12-slim" }] } },
    },
  };
}

/** One Pub/Sub delivery through the domain, on the in-memory store and the given cluster. */
async function deliver(id: string, cluster: ClusterClient) {
  const deps = { ...memoryDeps({ namespaces: [ns.name] }), cluster };
  const outcome = await submitJob(deps, { spec: spec(id), principal: "pubsub", source: `pubsub:${id}` });
  return { outcome, job: await deps.store.get({ namespace: ns.name, id }) };
}

describe("a create that reached the server, though the client saw a 503", () => {
  it("is retryable for the client, and the retry meets the 409: created false, one object", async () => {
    const cluster = KubeCluster.fromFile(proxy.kubeconfigPath);
    const name = uniqueId("after");
    const rule = proxy.add({ method: "POST", path: createJobs(), fault: { kind: "fail-after" } });
    const err = await cluster.submit(workload(name)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KineticError);
    expect((err as KineticError).retryable).toBe(true);
    expect((err as KineticError).message).toMatch(/injected after forwarding \(the server answered 201\)/);
    expect(await jobObjects(name)).toBe(1);

    expect(await cluster.submit(workload(name))).toEqual({
      created: false,
      ref: { kind: "Job", name, namespace: ns.name },
    });
    expect(rule.hits).toBe(1);
    expect(rule.matches).toBe(2);
    expect(await jobObjects(name)).toBe(1);
  });

  it("ends SUBMITTED (AlreadyExists) within one delivery, with exactly one Job", async () => {
    const id = uniqueId("after");
    const rule = proxy.add({ method: "POST", path: createJobs(), fault: { kind: "fail-after" } });
    const { outcome, job } = await deliver(id, KubeCluster.fromFile(proxy.kubeconfigPath));
    expect(outcome.status).toBe("created");
    expect(job).toMatchObject({ state: "SUBMITTED", reason: "AlreadyExists" });
    expect(rule.matches).toBe(2); // the first create (faulted after it happened) and withRetry's second
    expect(await jobObjects(id)).toBe(1);
  });
});

describe("a create refused before it reached the server", () => {
  it("is retried inside the delivery and ends SUBMITTED (Created), with exactly one Job", async () => {
    const id = uniqueId("before");
    const rule = proxy.add({ method: "POST", path: createJobs(), fault: { kind: "fail-before" } });
    const { job } = await deliver(id, KubeCluster.fromFile(proxy.kubeconfigPath));
    expect(job).toMatchObject({ state: "SUBMITTED", reason: "Created" });
    expect([rule.hits, rule.matches]).toEqual([1, 2]);
    expect(await jobObjects(id)).toBe(1);
  });
});

describe("an API server slower than the request limit", () => {
  it("gives a retryable cluster-unavailable naming the call and the limit, then succeeds once it answers", async () => {
    // 3 s: far above a healthy answer even on a loaded machine, far below the injected delay.
    const cluster = KubeCluster.fromFile(proxy.kubeconfigPath, { timeoutMs: 3_000 });
    await cluster.listManaged(ns.name, ["Job"]); // warms the API discovery cache: only the create is timed below
    const name = uniqueId("slow");
    proxy.add({ method: "POST", path: createJobs(), fault: { kind: "delay", ms: 6_000 } });
    const t0 = Date.now();
    const err = (await cluster.submit(workload(name)).catch((e: unknown) => e)) as KineticError;
    expect(Date.now() - t0).toBeLessThan(5_500);
    expect(err).toBeInstanceOf(KineticError);
    expect(err.code).toBe("cluster-unavailable");
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(
      `create Job ${ns.name}/${name}: the Kubernetes API server did not answer POST /apis/batch/v1/namespaces/${ns.name}/jobs within 3 s (KINETIC_CLUSTER_TIMEOUT_SECONDS)`,
    );

    // The slow server still did the create: the retry finds it.
    await proxy.idle();
    expect((await cluster.submit(workload(name))).created).toBe(false);
    const ref = { kind: "Job" as const, name, namespace: ns.name };
    proxy.add({ method: "GET", path: new RegExp(`/jobs/${name}$`), fault: { kind: "delay", ms: 6_000 } });
    await expect(cluster.status(ref)).rejects.toThrow(/did not answer GET .*\/jobs\/.* within 3 s/);
    expect((await cluster.status(ref)).phase).toBe("Pending"); // suspended
    expect(await jobObjects(name)).toBe(1);
  });
});

describe("credentials the API server refuses (GKE: a token from Application Default Credentials)", () => {
  const target = { project: "acme-ml", zone: "us-central1-a", cluster: "kinetic" };
  const clusterName = "projects/acme-ml/locations/us-central1-a/clusters/kinetic";
  /** The fake Container API, pointed at the proxy; `token(n)` replaces the n-th token when it returns one. */
  const gke = (token: (n: number) => string | undefined = () => undefined) => {
    const apis = new FakeGkeApis(proxy.kubeconfigPath, clusterName);
    const issue = apis.getAccessToken.bind(apis);
    apis.getAccessToken = async () => {
      const good = await issue();
      return token(apis.tokensIssued) ?? good;
    };
    return apis;
  };
  const connect = (apis: FakeGkeApis) => connectGke(target, apis, { log: testLog });

  it("a 401 once: refreshes the token and the call succeeds", async () => {
    const apis = gke();
    const cluster = await connect(apis);
    expect(await cluster.listManaged(ns.name, ["Job"])).toBeInstanceOf(Array);
    const rule = proxy.add({ path: new RegExp(`/namespaces/${ns.name}/jobs$`), fault: { kind: "unauthorized" } });
    expect(await cluster.listManaged(ns.name, ["Job"])).toBeInstanceOf(Array);
    expect([rule.hits, rule.matches]).toEqual([1, 2]);
    expect(apis.tokensIssued).toBe(2);
  });

  it("an expired token no longer fails the job: the delivery refreshes it and the job is SUBMITTED", async () => {
    const apis = gke((n) => (n === 1 ? "expired-token" : undefined)); // the real API server answers 401
    const id = uniqueId("expired");
    const { job } = await deliver(id, await connect(apis));
    expect(job).toMatchObject({ state: "SUBMITTED", reason: "Created" });
    expect(apis.tokensIssued).toBe(2);
    expect(await jobObjects(id)).toBe(1);
  });

  it("a 401 that persists after the refresh is permanent and names the credentials: one refresh only", async () => {
    const apis = gke(() => "revoked-token");
    const cluster = await connect(apis);
    const err = (await cluster.listManaged(ns.name, ["Job"]).catch((e: unknown) => e)) as KineticError;
    expect(err).toBeInstanceOf(KineticError);
    expect(err.code).toBe("cluster-rejected");
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/did not accept Kinetic's credentials \(HTTP 401 Unauthorized\).*still refused/);
    expect(apis.tokensIssued).toBe(2);

    // Through the domain: the job fails with that message instead of waiting for redeliveries.
    const id = uniqueId("revoked");
    const { outcome, job } = await deliver(id, await connect(gke(() => "revoked-token")));
    expect(outcome.status).toBe("created");
    expect(job).toMatchObject({ state: "FAILED", reason: "ClusterRejected" });
    expect(job?.message).toMatch(/credentials/);
    expect(await jobObjects(id)).toBe(0);
  });

  it("an RBAC 403 is retried once with fresh credentials, then permanent; an admission 403 is not retried", async () => {
    const core = kc().makeApiClient(CoreV1Api);
    const sa = uniqueId("nobody");
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: sa } } });
    const { status } = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const rbac = gke(() => status!.token); // an identity without any role binding
    const cluster = await connect(rbac);
    const err = (await cluster.submit(workload(uniqueId("rbac"))).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: "cluster-rejected" });
    expect(err.message).toMatch(/User "system:serviceaccount:.*" cannot create resource "jobs".*still refused/);
    expect(rbac.tokensIssued).toBe(2);

    // A quota the admission chain enforces: refused for what the request is, not for who sent it.
    const quotaNs = await createTestNamespace("faults-quota");
    try {
      await KubernetesObjectApi.makeApiClient(kc()).create({
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "no-jobs", namespace: quotaNs.name },
        spec: { hard: { "count/jobs.batch": "0" } },
      });
      const apis = gke();
      const fresh = await connect(apis);
      const quota = (await fresh.submit(workload(uniqueId("quota"), quotaNs.name)).catch((e: unknown) => e)) as Error;
      expect(quota).toMatchObject({ code: "cluster-rejected" });
      // "exceeded quota: no-jobs, …", or "status unknown for quota: no-jobs" before the controller counted.
      expect(quota.message).toMatch(/is forbidden: .*quota: no-jobs.*\(HTTP 403\)$/);
      expect(apis.tokensIssued).toBe(1);
    } finally {
      await quotaNs.cleanup();
    }
  });
});
