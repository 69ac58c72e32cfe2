// The syncJobs handler without functions-framework: the scheduler's token is
// checked before any work, and a tick answers with the sync summary.
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { RecordingBus } from "../../shared/bus/event-bus.ts";
import { ManualClock } from "../../shared/clock.ts";
import type { ClusterClient } from "../../shared/cluster/types.ts";
import type { Deps } from "../../shared/deps.ts";
import { createLogger } from "../../shared/log.ts";
import { loadRuntimeConfig } from "../../shared/runtime-config.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { memoryStores } from "../../shared/stores.ts";
import { policyNamespaces, syncJobsHandler } from "./handler.ts";

function deps(config: Partial<Deps["config"]> = {}): Deps {
  return {
    ...memoryStores(),
    // An empty store never reaches the cluster.
    cluster: {} as ClusterClient,
    bus: new RecordingBus(),
    config: { ...loadRuntimeConfig({}), ...config },
    clock: new ManualClock("2026-03-01T00:00:00Z"),
    log: createLogger({}, () => undefined),
    auth: createAuthenticator({ staticTokens: [{ name: "scheduler", token: "tick" }], allowedEmails: [] }),
  };
}

async function call(
  authorization?: string,
  d: Deps = deps(),
  kueue: Parameters<typeof syncJobsHandler>[1] = () => Promise.reject(new Error("not reached")),
) {
  const req = { get: (name: string) => (name.toLowerCase() === "authorization" ? authorization : undefined) };
  const out: { status?: number; body?: unknown } = {};
  const res = {
    type: () => res,
    status: (code: number) => ((out.status = code), res),
    json: (body: unknown) => ((out.body = body), res),
  };
  await syncJobsHandler(async () => d, kueue)(req as unknown as Request, res as unknown as Response);
  return out;
}

describe("syncJobsHandler", () => {
  it("refuses a call without the scheduler's token", async () => {
    const out = await call();
    expect(out.status).toBe(401);
    expect(out.body).toMatchObject({ error: { code: "unauthenticated" } });
  });

  it("syncs and answers with the summary", async () => {
    const out = await call("Bearer tick");
    expect(out).toEqual({
      status: 200,
      body: { scanned: 0, changed: 0, finished: 0, resubmitted: 0, errors: 0 },
    });
  });

  it("with Kueue on, also reconciles the default queue; a cluster fault there is reported and the sync still answers", async () => {
    const asked: string[] = [];
    const d = deps({
      defaultQueue: "kinetic",
      namespacePolicy: { alice: ["team-a"], bob: ["team-b", "team-a"], root: ["*"] },
    });
    const out = await call("Bearer tick", d, async () => {
      asked.push("connect");
      throw new Error("cluster unreachable");
    });
    expect(asked).toEqual(["connect"]);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ scanned: 0, defaultQueue: "cluster unreachable" });
    expect(policyNamespaces(d)).toEqual(["team-a", "team-b"]);
  });

  it("with Kueue off, never connects to reconcile a queue", async () => {
    const out = await call("Bearer tick", deps(), () => Promise.reject(new Error("must not connect")));
    expect(out.body).not.toHaveProperty("defaultQueue");
  });
});
