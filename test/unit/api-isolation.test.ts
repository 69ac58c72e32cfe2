/**
 * Tenants through the jobs API (in-memory deps): a caller allowed only in
 * team-b learns nothing about team-a's jobs, reads and cancels nothing of
 * theirs, and cannot take over their ids.
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
  it("bob reusing alice's id in his namespace gets 409 id-conflict, nothing of alice's job, and no workload", async () => {
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
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "id-conflict" });
    expect(JSON.stringify(res.body)).not.toMatch(/alice-secret|team-a/);
    expect([...deps.cluster.objects.values()].map((o) => o.namespace)).toEqual(["team-a"]);
  });

  it("alice's job answers bob's read, logs and cancel exactly as an unknown job does (404)", async () => {
    const { app, as, deps } = setup();
    await request(app)
      .post("/jobs")
      .set(as("alice"))
      .send({ ...SPEC, id: "r2", namespace: "team-a" });
    for (const [method, path] of [
      ["get", "/jobs/r2"],
      ["get", "/jobs/r2/logs"],
      ["post", "/jobs/r2/cancel"],
    ] as const) {
      const theirs = await request(app)[method](path).set(as("bob"));
      const unknown = await request(app)[method](path.replace("r2", "nope")).set(as("bob"));
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.code).toBe(unknown.body.error.code);
    }
    expect((await deps.store.get("r2"))?.state).toBe("SUBMITTED");
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
