// The checkUtilization handler without functions-framework: who may run it, and what a run answers.
import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { memoryDeps, MEMORY_TOKEN } from "../../shared/testing.ts";
import { checkUtilizationHandler } from "./handler.ts";

async function call(headers: Record<string, string>, deps = memoryDeps({ namespaces: ["*"] })) {
  const req = { get: (name: string) => headers[name.toLowerCase()] };
  const out: { status?: number; body?: Record<string, unknown> } = {};
  const res = {
    type: () => res,
    status: (code: number) => ((out.status = code), res),
    json: (body: Record<string, unknown>) => ((out.body = body), res),
  };
  await checkUtilizationHandler(async () => deps)(req as unknown as Request, res as unknown as Response);
  return out;
}

describe("checkUtilizationHandler", () => {
  it("refuses a call without a token", async () => {
    expect(await call({})).toMatchObject({ status: 401, body: { error: { code: "unauthenticated" } } });
  });

  it("refuses a schedule time from anyone but the scheduler", async () => {
    const out = await call({
      authorization: `Bearer ${MEMORY_TOKEN}`,
      "x-cloudscheduler-scheduletime": "2026-03-01T00:00:00Z",
    });
    expect(out).toMatchObject({ status: 403, body: { error: { code: "permission-denied" } } });
  });

  it("refuses a manual run from a tenant", async () => {
    const out = await call({ authorization: `Bearer ${MEMORY_TOKEN}` }, memoryDeps({ namespaces: ["team-a"] }));
    expect(out).toMatchObject({
      status: 403,
      body: { error: { message: "a manual utilization check is for operators" } },
    });
  });

  it("runs for an operator and answers with the run record", async () => {
    const deps = memoryDeps({ namespaces: ["*"] });
    const out = await call({ authorization: `Bearer ${MEMORY_TOKEN}` }, deps);
    expect(out.status).toBe(200);
    // Monitoring is off by default (as in Kaiwo): preemption only, no metrics read.
    expect(out.body).toMatchObject({ status: "completed", queries: 0, counts: { checked: 0 } });
    expect(await deps.utilizationRuns.get(String(out.body!.runId))).toMatchObject({ status: "completed" });
  });
});
