import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { ClusterCredentialError } from "./kube-errors.ts";
import { MemoryCluster } from "./memory-cluster.ts";
import { refreshingCluster } from "./refresh.ts";
import type { WorkloadRef } from "./types.ts";

const ref: WorkloadRef = { kind: "Job", name: "a", namespace: "ns" };
const unauthorized = () =>
  new ClusterCredentialError("read Job ns/a: credentials refused (HTTP 401 Unauthorized)", 401, null);

/** A token source: each connect is a new client (a new token); `prepare` scripts what the server does with it. */
function tokens(prepare: (client: MemoryCluster, n: number) => void = () => {}) {
  const built: MemoryCluster[] = [];
  const refused: number[] = [];
  const connect = async () => {
    const client = new MemoryCluster();
    client.addJob("ns", "a");
    prepare(client, built.length + 1);
    built.push(client);
    return client;
  };
  return { built, refused, connect, onRefused: (err: ClusterCredentialError) => refused.push(err.httpStatus) };
}

describe("refreshingCluster", () => {
  it("builds lazily and reuses the client while it is fresh", async () => {
    const t = tokens();
    const cluster = refreshingCluster(t);
    expect(t.built).toHaveLength(0);
    await cluster.status(ref);
    await cluster.status(ref);
    expect(t.built).toHaveLength(1);
  });

  it("refreshes once and retries once when the credentials are refused, then succeeds", async () => {
    const t = tokens((client, n) => {
      if (n === 1) client.failNext("status", unauthorized()); // the first token has expired
    });
    const cluster = refreshingCluster(t);
    expect(await cluster.status(ref)).toEqual({ phase: "Running" });
    expect(t.built).toHaveLength(2);
    expect(t.refused).toEqual([401]);
  });

  it("fails permanently, naming the credentials, when the fresh ones are refused too: one refresh only", async () => {
    const t = tokens((client) => client.failNext("status", unauthorized()));
    const cluster = refreshingCluster(t);
    const err = (await cluster.status(ref).catch((e: unknown) => e)) as KineticError;
    expect(err).toBeInstanceOf(KineticError);
    expect(err).not.toBeInstanceOf(ClusterCredentialError);
    expect(err.code).toBe("cluster-rejected");
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/HTTP 401 .*still refused with freshly refreshed credentials: check the identity/);
    expect(t.built).toHaveLength(2);
  });

  it("treats an authorizer's 403 the same way: refresh once, then permanent", async () => {
    const forbidden = () =>
      new ClusterCredentialError('jobs.batch is forbidden: User "x" cannot create (HTTP 403)', 403, null);
    const t = tokens((client) => client.failNext("submit", forbidden()));
    const cluster = refreshingCluster(t);
    const err = (await cluster
      .submit({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "b", namespace: "ns", labels: {} }, spec: {} })
      .catch((e: unknown) => e)) as KineticError;
    expect(err.code).toBe("cluster-rejected");
    expect(err.message).toMatch(/^jobs.batch is forbidden.*still refused/);
    expect(t.built).toHaveLength(2);
    expect(t.refused).toEqual([403]);
  });

  it("passes every other error through without refreshing", async () => {
    for (const error of [
      new KineticError("cluster-rejected", "exceeded quota (HTTP 403)"),
      new KineticError("cluster-unavailable", "did not answer within 30 s"),
    ]) {
      const t = tokens((client) => client.failNext("status", error));
      await expect(refreshingCluster(t).status(ref)).rejects.toBe(error);
      expect(t.built).toHaveLength(1);
      expect(t.refused).toEqual([]);
    }
  });

  it("refreshes once for many calls refused at the same time", async () => {
    const t = tokens((client, n) => {
      if (n === 1) for (let i = 0; i < 5; i++) client.failNext("status", unauthorized());
    });
    const cluster = refreshingCluster(t);
    const results = await Promise.all(Array.from({ length: 5 }, () => cluster.status(ref)));
    expect(results.every((r) => r.phase === "Running")).toBe(true);
    expect(t.built).toHaveLength(2);
    expect(t.refused).toHaveLength(5);
  });

  it("rebuilds a client older than maxAgeMs before using it", async () => {
    let nowMs = 0;
    const t = tokens();
    const cluster = refreshingCluster({ ...t, maxAgeMs: 45 * 60_000, now: () => nowMs });
    await cluster.status(ref);
    nowMs += 44 * 60_000;
    await cluster.status(ref);
    expect(t.built).toHaveLength(1);
    nowMs += 2 * 60_000;
    await Promise.all([cluster.status(ref), cluster.status(ref)]);
    expect(t.built).toHaveLength(2);
  });

  it("tries to connect again on the next call after a failed connect", async () => {
    let fail = true;
    const t = tokens();
    const cluster = refreshingCluster({
      connect: async () => {
        if (fail) throw new KineticError("unauthenticated", "Application Default Credentials gave no access token");
        return t.connect();
      },
    });
    await expect(cluster.status(ref)).rejects.toThrow(/no access token/);
    fail = false;
    expect(await cluster.status(ref)).toEqual({ phase: "Running" });
  });

  it("uses an initial client without connecting", async () => {
    const t = tokens();
    const initial = new MemoryCluster();
    const cluster = refreshingCluster({ ...t, initial });
    expect(await cluster.status(ref)).toEqual({ phase: "Missing" });
    expect(t.built).toHaveLength(0);
  });
});
