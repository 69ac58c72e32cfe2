/**
 * Who may run cleanupTtl, on in-memory deps: the scheduler's identity alone
 * may name a schedule time (a forged one would pre-complete a future tick),
 * and a manual run, forced or not, is for operators.
 */
import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { memoryDeps } from "../../shared/testing.ts";
import { cleanupTtlHandler } from "./handler.ts";

function setup() {
  const deps = memoryDeps({
    config: { namespacePolicy: { ops: ["*"], "*": ["team-a"] }, schedulers: ["scheduler"] },
  });
  deps.auth = createAuthenticator({
    staticTokens: [
      { name: "scheduler", token: "sched-token" },
      { name: "ops", token: "ops-token" },
      { name: "dev", token: "dev-token" },
    ],
    allowedEmails: [],
  });
  deps.cluster.addJob("team-a", "running-job");
  const app = express().use(express.json());
  app.post(
    "/",
    cleanupTtlHandler(async () => deps),
  );
  return { deps, app };
}

const TICK = "2026-03-01T00:15:00Z";

describe("cleanupTtl authorization", () => {
  it("the scheduler's tick runs and is recorded under the tick's id", async () => {
    const { app, deps } = setup();
    const res = await request(app)
      .post("/")
      .set("authorization", "Bearer sched-token")
      .set("X-CloudScheduler-ScheduleTime", TICK)
      .send({});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", runId: "tick-2026-03-01T00:15:00.000Z" });
    expect(await deps.cleanupRuns.get("tick-2026-03-01T00:15:00.000Z")).toMatchObject({ status: "completed" });
  });

  it("a schedule time from anyone else is refused, and no run record is left to pre-complete that tick", async () => {
    const { app, deps } = setup();
    for (const token of ["dev-token", "ops-token"]) {
      const res = await request(app)
        .post("/")
        .set("authorization", `Bearer ${token}`)
        .set("X-CloudScheduler-ScheduleTime", "2026-03-01T00:30:00Z")
        .send({});
      expect(res.status).toBe(403);
      expect(res.body.error.issues).toEqual([expect.objectContaining({ field: "X-CloudScheduler-ScheduleTime" })]);
    }
    expect(await deps.cleanupRuns.get("tick-2026-03-01T00:30:00.000Z")).toBeUndefined();
  });

  it("a forced run in a namespace is for operators: a tenant of that namespace gets 403 and nothing is deleted", async () => {
    const { app, deps } = setup();
    const denied = await request(app)
      .post("/")
      .set("authorization", "Bearer dev-token")
      .send({ force: true, namespace: "team-a" });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: "permission-denied" });
    expect(deps.cluster.objects.size).toBe(1);

    const ops = await request(app)
      .post("/")
      .set("authorization", "Bearer ops-token")
      .send({ force: true, namespace: "team-a" });
    expect(ops.status).toBe(200);
    expect(ops.body.counts).toMatchObject({ deleted: 1 });
    expect(deps.cluster.objects.size).toBe(0);
  });

  it("without credentials: 401", async () => {
    const { app } = setup();
    expect((await request(app).post("/").send({})).status).toBe(401);
  });
});
