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
import { syncJobsHandler } from "./handler.ts";

function deps(): Deps {
  return {
    ...memoryStores(),
    // An empty store never reaches the cluster.
    cluster: {} as ClusterClient,
    bus: new RecordingBus(),
    config: loadRuntimeConfig({}),
    clock: new ManualClock("2026-03-01T00:00:00Z"),
    log: createLogger({}, () => undefined),
    auth: createAuthenticator({ staticTokens: [{ name: "scheduler", token: "tick" }], allowedEmails: [] }),
  };
}

async function call(authorization?: string) {
  const req = { get: (name: string) => (name.toLowerCase() === "authorization" ? authorization : undefined) };
  const out: { status?: number; body?: unknown } = {};
  const res = {
    type: () => res,
    status: (code: number) => ((out.status = code), res),
    json: (body: unknown) => ((out.body = body), res),
  };
  await syncJobsHandler(async () => deps())(req as unknown as Request, res as unknown as Response);
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
});
