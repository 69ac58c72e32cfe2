// GET /utilization on the API app over memory deps: a tenant sees only their namespaces' jobs and events, a
// namespace outside their rights is 403, bad input names the field, and an unreachable metrics endpoint is a 200
// with the reason (the page keeps its jobs), never a 500.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApiApp } from "./app.ts";
import { utilizationRoutesWith } from "./utilization-routes.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { memoryDeps } from "../../shared/testing.ts";
import { JOBS, jobKey } from "../../shared/store/job-store.ts";
import { emptyUtilizationCounts, type UtilizationRunSummary } from "../../shared/utilization/types.ts";

// Monitoring on, its endpoint a closed port on this machine: every metrics read fails fast, as an outage does.
const ENV = { enabled: true, metricsEndpoint: "http://127.0.0.1:1", pollingInterval: "1m", pollingIntervalMs: 60_000 };

async function setup() {
  const deps = memoryDeps({ config: { namespacePolicy: { ops: ["*"], alice: ["team-a"], bob: ["team-b"] } } });
  deps.auth = createAuthenticator({
    staticTokens: ["ops", "alice", "bob"].map((name) => ({ name, token: `${name}-token` })),
    allowedEmails: [],
  });
  for (const namespace of ["team-a", "team-b"]) {
    const id = `train-${namespace}`;
    await deps.docs.set(JOBS, jobKey({ namespace, id }), {
      id,
      namespace,
      state: "RUNNING",
      accelerator: "nvidia-l4",
      spec: { accelerator: "nvidia-l4", gpus: 1 },
      startedAt: "2026-02-28T23:00:00.000Z",
      lowUtilizationSince: "2026-02-28T23:30:00.000Z",
      workload: { kind: "Job", namespace, name: id },
      events: [],
    });
  }
  const run: UtilizationRunSummary = {
    runId: "r1",
    status: "completed",
    trigger: "schedule",
    startedAt: "2026-02-28T23:59:00.000Z",
    settings: {} as UtilizationRunSummary["settings"],
    counts: emptyUtilizationCounts(),
    queries: 1,
    items: [
      { action: "terminated", namespace: "team-a", jobId: "a-old", reason: "idle" },
      { action: "preempted", namespace: "team-b", jobId: "b-old", reason: "for a waiting job" },
    ],
    cost: { reads: 0, writes: 0 },
  };
  await deps.utilizationRuns.put(run);
  const app = createApiApp(async () => deps, [utilizationRoutesWith({ env: ENV })]);
  const as = (who: "ops" | "alice" | "bob") => ({ authorization: `Bearer ${who}-token` });
  return { app, as };
}

describe("GET /utilization", () => {
  it("shows a tenant only their namespaces' jobs and events; operators everything", async () => {
    const { app, as } = await setup();
    const alice = await request(app).get("/utilization").set(as("alice"));
    expect(alice.status).toBe(200);
    expect(alice.body.jobs.map((j: { id: string }) => j.id)).toEqual(["train-team-a"]);
    expect(alice.body.jobs[0]).toMatchObject({ lowUtilizationSince: "2026-02-28T23:30:00.000Z", devices: 1 });
    expect(alice.body.events.map((e: { jobId: string }) => e.jobId)).toEqual(["a-old"]);
    expect(JSON.stringify(alice.body)).not.toContain("team-b");
    const ops = await request(app).get("/utilization").set(as("ops"));
    expect(ops.body.jobs.map((j: { id: string }) => j.id)).toEqual(["train-team-a", "train-team-b"]);
    expect(ops.body.events).toHaveLength(2);
    const narrowed = await request(app).get("/utilization?namespace=team-b").set(as("ops"));
    expect(narrowed.body.jobs.map((j: { id: string }) => j.id)).toEqual(["train-team-b"]);
  });

  it("answers 200 with the metrics outage named, the jobs and streaks still there", async () => {
    const { app, as } = await setup();
    const res = await request(app).get("/utilization").set(as("bob"));
    expect(res.status).toBe(200);
    expect(res.body.metrics).toEqual({ status: "unavailable", message: expect.stringContaining("127.0.0.1:1") });
    expect(res.body.jobs).toMatchObject([{ id: "train-team-b", readings: [] }]);
  });

  it("refuses a namespace outside the caller's rights, bad input, and no token", async () => {
    const { app, as } = await setup();
    expect((await request(app).get("/utilization?namespace=team-a").set(as("bob"))).status).toBe(403);
    const bad = await request(app).get("/utilization?namespace=Not_A_Name").set(as("ops"));
    expect([bad.status, bad.body.error.issues[0].field]).toEqual([400, "namespace"]);
    const unknown = await request(app).get("/utilization?limit=3").set(as("ops"));
    expect([unknown.status, unknown.body.error.issues]).toEqual([400, [{ field: "limit", message: "unknown field" }]]);
    expect((await request(app).get("/utilization")).status).toBe(401);
  });
});
