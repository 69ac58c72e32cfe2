/**
 * Tenants through the jobs API (in-memory deps): a caller allowed only in
 * team-b learns nothing about team-a's jobs, reads and cancels nothing of
 * theirs, and cannot take over their ids: a job is (namespace, id), so the
 * same id in two namespaces is two jobs.
 */
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApiApp } from "../../functions/api/app.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { memoryDeps } from "../../shared/testing.ts";

function setup() {
  const deps = memoryDeps({ config: { namespacePolicy: { alice: ["team-a"], bob: ["team-b"] } } });
  deps.auth = createAuthenticator({
    staticTokens: [
      { name: "alice", token: "alice-token" },
      { name: "bob", token: "bob-token" },
    ],
    allowedEmails: [],
  });
  const app = createApiApp(async () => deps);
  const as = (who: "alice" | "bob") => ({ authorization: `Bearer ${who}-token` });
  return { deps, app, as };
}

const SPEC = { image: "python:3.12", command: ["python", "train.py"], env: { WANDB_API_KEY: "alice-secret" } };

describe("tenant isolation in the jobs API", () => {
  it("bob may use alice's id in his namespace: two jobs, neither reveals nor touches the other", async () => {
    const { app, as, deps } = setup();
    expect(
      (
        await request(app)
          .post("/jobs")
          .set(as("alice"))
          .send({ ...SPEC, id: "r1", namespace: "team-a" })
      ).status,
    ).toBe(201);
    const res = await request(app)
      .post("/jobs")
      .set(as("bob"))
      .send({ ...SPEC, env: {}, id: "r1", namespace: "team-b" });
    // The same answer as for a fresh id: nothing says the id is in use elsewhere.
    expect(res.status).toBe(201);
    expect(res.body.job).toMatchObject({ id: "r1", namespace: "team-b" });
    expect(JSON.stringify(res.body)).not.toMatch(/alice-secret|team-a/);
    expect([...deps.cluster.objects.values()].map((o) => o.namespace).sort()).toEqual(["team-a", "team-b"]);
    // Each reads and cancels their own; bob's cancel leaves alice's job running.
    expect((await request(app).get("/jobs/r1").set(as("bob"))).body.job.namespace).toBe("team-b");
    expect((await request(app).get("/jobs/r1").set(as("alice"))).body.job.namespace).toBe("team-a");
    expect((await request(app).post("/jobs/r1/cancel").set(as("bob"))).body.job.state).toBe("CANCELLED");
    expect((await deps.store.get({ namespace: "team-a", id: "r1" }))?.state).toBe("SUBMITTED");
    expect([...deps.cluster.objects.values()].map((o) => o.namespace)).toEqual(["team-a"]);
  });

  it("alice's job answers bob's read, logs and cancel exactly as an unknown job does (404), namespace named or not", async () => {
    const { app, as, deps } = setup();
    await request(app)
      .post("/jobs")
      .set(as("alice"))
      .send({ ...SPEC, id: "r2", namespace: "team-a" });
    for (const [method, path] of [
      ["get", "/jobs/r2"],
      ["get", "/jobs/r2/logs"],
      ["post", "/jobs/r2/cancel"],
      ["get", "/jobs/r2?namespace=team-b"],
      ["get", "/jobs/r2/logs?namespace=team-b"],
    ] as const) {
      const theirs = await request(app)[method](path).set(as("bob"));
      const unknown = await request(app)[method](path.replace("r2", "nope")).set(as("bob"));
      expect(theirs.status, path).toBe(404);
      // Word for word what an unknown id gets.
      expect(JSON.stringify(theirs.body)).toBe(JSON.stringify(unknown.body).replaceAll("nope", "r2"));
    }
    // Naming alice's namespace is refused for what it is (bob may not use team-a), never answered with her job.
    const named = await request(app).get("/jobs/r2?namespace=team-a").set(as("bob"));
    expect([403, 404]).toContain(named.status);
    expect(JSON.stringify(named.body)).not.toMatch(/alice-secret|SUBMITTED/);
    expect((await deps.store.get({ namespace: "team-a", id: "r2" }))?.state).toBe("SUBMITTED");
  });

  it("a namespace in the query must be one: 400 naming the field, before any lookup", async () => {
    const { app, as } = setup();
    const res = await request(app).post("/jobs/r6/cancel?namespace=team-a%2Fx").set(as("alice"));
    expect(res.status).toBe(400);
    expect(res.body.error.issues.map((i: { field: string }) => i.field)).toEqual(["namespace"]);
  });

  it("one caller with the same id in two of its namespaces is asked to name one", async () => {
    const { app, as, deps } = setup();
    deps.config = { ...deps.config, namespacePolicy: { alice: ["team-a", "team-c"], bob: ["team-b"] } };
    for (const namespace of ["team-a", "team-c"])
      await request(app)
        .post("/jobs")
        .set(as("alice"))
        .send({ ...SPEC, id: "twin", namespace });
    const ambiguous = await request(app).get("/jobs/twin").set(as("alice"));
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.issues).toEqual([{ field: "namespace", message: "required: one of team-a, team-c" }]);
    const named = await request(app).get("/jobs/twin?namespace=team-c").set(as("alice"));
    expect(named.body.job).toMatchObject({ id: "twin", namespace: "team-c" });
  });

  it("an invalid spec does not squat an id: the error is answered, nothing stored, the id stays free", async () => {
    const { app, as } = setup();
    const bad = await request(app)
      .post("/jobs")
      .set(as("bob"))
      .send({ ...SPEC, id: "r3", namespace: "team-b", cpu: "x" });
    expect(bad.status).toBe(400);
    const good = await request(app)
      .post("/jobs")
      .set(as("alice"))
      .send({ ...SPEC, id: "r3", namespace: "team-a" });
    expect(good.status).toBe(201);
  });

  it("replaying the same submission returns the existing job (200), a changed one is 409", async () => {
    const { app, as } = setup();
    const body = { ...SPEC, id: "r4", namespace: "team-a" };
    expect((await request(app).post("/jobs").set(as("alice")).send(body)).status).toBe(201);
    const again = await request(app).post("/jobs").set(as("alice")).send(body);
    expect(again.status).toBe(200);
    expect(again.body.job.id).toBe("r4");
    expect(
      (
        await request(app)
          .post("/jobs")
          .set(as("alice"))
          .send({ ...body, args: ["--lr", "1"] })
      ).status,
    ).toBe(409);
  });

  it("a cancel that names its namespace may overtake the submission; another tenant's namespace is refused", async () => {
    const { app, as, deps } = setup();
    expect((await request(app).post("/jobs/r5/cancel?namespace=team-a").set(as("bob"))).status).toBe(403);
    const early = await request(app).post("/jobs/r5/cancel?namespace=team-a").set(as("alice"));
    expect(early.status).toBe(200);
    expect(early.body.job).toMatchObject({ id: "r5", state: "CANCELLED", reason: "CancelledBeforeSubmit" });
    const late = await request(app)
      .post("/jobs")
      .set(as("alice"))
      .send({ ...SPEC, id: "r5", namespace: "team-a" });
    expect(late.status).toBe(200);
    expect(late.body.job.state).toBe("CANCELLED");
    expect(deps.cluster.submits).toBe(0);
  });

  it("an Idempotency-Key is scoped to the caller and the namespace", async () => {
    const { app, as, deps } = setup();
    deps.config = { ...deps.config, namespacePolicy: { alice: ["team-a", "team-c"], bob: ["team-b"] } };
    const key = { "Idempotency-Key": "nightly-1" };
    const post = (who: "alice" | "bob", namespace: string) =>
      request(app)
        .post("/jobs")
        .set(as(who))
        .set(key)
        .send({ ...SPEC, env: {}, namespace });
    const a = await post("alice", "team-a");
    const c = await post("alice", "team-c");
    const b = await post("bob", "team-b");
    const a2 = await post("alice", "team-a");
    expect([a.status, c.status, b.status, a2.status]).toEqual([201, 201, 201, 200]);
    expect(new Set([a.body.job.id, c.body.job.id, b.body.job.id]).size).toBe(3);
    expect(a2.body.job.id).toBe(a.body.job.id);
  });
});
