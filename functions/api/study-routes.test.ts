// The study routes mounted on the API app over memory deps: create, status, trials, best, importance, push metrics,
// cancel, and tenants (another namespace's study is a 404).
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApiApp } from "./app.ts";
import { studyRoutes } from "./study-routes.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { driveStudy } from "../../shared/studies/drive.ts";
import { MIN_IMPORTANCE_TRIALS } from "../../shared/studies/importance.ts";
import { studyTestDeps, testStudySpec } from "../../shared/studies/study-test-kit.ts";

/** Memory deps with two tenants (alice: team-a, bob: team-b) and the API app with the study routes mounted. */
export function createSecurity() {
  const base = studyTestDeps();
  const deps = { ...base, config: { ...base.config, namespacePolicy: { alice: ["team-a"], bob: ["team-b"] } } };
  deps.auth = createAuthenticator({
    staticTokens: [
      { name: "alice", token: "alice-token" },
      { name: "bob", token: "bob-token" },
    ],
    allowedEmails: [],
  });
  const app = createApiApp(async () => deps, [studyRoutes]);
  const as = (who: "alice" | "bob") => ({ authorization: `Bearer ${who}-token` });
  const spec = testStudySpec({
    trialTemplate: { namespace: "team-a", image: "python:3.12-slim", command: ["python", "train.py"] },
  });
  return { deps, app, as, spec };
}
describe("study routes", () => {
  it("creates a study (201, then 200), shows its status, trials and best, takes pushed metrics and cancels it", async () => {
    const { app, as, deps, spec } = createSecurity();
    expect((await request(app).post("/studies").set(as("alice")).send(spec)).status).toBe(201);
    const again = await request(app).post("/studies").set(as("alice")).send(spec);
    expect(again.status).toBe(200);
    // The API records the study; the fan-out is tuneStudy's, asked for on the tuning topic (each answer asks again).
    expect(again.body.study).toMatchObject({ id: "st", state: "CREATED", issued: 0 });
    const drive = { type: "study.drive", namespace: "team-a", studyId: "st" };
    expect(deps.bus.messages.map((m) => [m.topic, m.data])).toEqual([
      ["tuning", drive],
      ["tuning", drive],
    ]);
    expect(deps.cluster.objects.size).toBe(0);
    // What tuneStudy does with each delivery: the second changes nothing.
    for (const _ of deps.bus.messages) await driveStudy(deps, { namespace: "team-a", id: "st" });
    expect(deps.cluster.objects.size).toBe(2);
    const status = await request(app).get("/studies/st?namespace=team-a").set(as("alice"));
    expect(status.body.status).toMatchObject({ state: "RUNNING", counts: { pending: 2, running: 0 }, planned: 6 });
    const trials = await request(app).get("/studies/st/trials?namespace=team-a").set(as("alice"));
    expect(trials.body.trials.map((t: { id: string }) => t.id)).toEqual(["st-0", "st-1"]);
    expect((await request(app).get("/studies/st/best?namespace=team-a").set(as("alice"))).status).toBe(404);
    const push = () =>
      request(app)
        .post("/studies/st/trials/st-0/metrics?namespace=team-a")
        .set(as("alice"))
        .send({ step: 1, metrics: { accuracy: 0.5 } });
    expect((await push()).body).toEqual({ recorded: true });
    expect((await push()).body).toEqual({ recorded: false });
    const cancel = await request(app).post("/studies/st/cancel?namespace=team-a").set(as("alice"));
    expect(cancel.body.study).toMatchObject({ state: "CANCELLED", counts: { cancelled: 2 } });
    expect((await request(app).get("/studies?namespace=team-a").set(as("alice"))).body.studies).toHaveLength(1);
    expect(deps.cluster.objects.size).toBe(0);
  });

  it("answers 400 with per-field issues for a bad spec, and 404 for another tenant's study", async () => {
    const { app, as, spec } = createSecurity();
    const bad = await request(app)
      .post("/studies")
      .set(as("alice"))
      .send({ ...spec, parallelTrials: 60 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([expect.objectContaining({ field: "parallelTrials" })]);
    await request(app).post("/studies").set(as("alice")).send(spec);
    expect((await request(app).get("/studies/st?namespace=team-a").set(as("bob"))).status).toBe(404);
    expect((await request(app).post("/studies/st/cancel?namespace=team-a").set(as("bob"))).status).toBe(404);
    expect((await request(app).get("/studies").set(as("bob"))).status).toBe(400);
  });
});

describe("GET /studies/{id}/importance", () => {
  it("answers the report, the search space and the objective; the trials only when asked", async () => {
    const { app, as, deps, spec } = createSecurity();
    expect((await request(app).post("/studies").set(as("alice")).send(spec)).status).toBe(201);
    await driveStudy(deps, { namespace: "team-a", id: "st" });
    const res = await request(app).get("/studies/st/importance?namespace=team-a").set(as("alice"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      completed: 0,
      minTrials: MIN_IMPORTANCE_TRIALS,
      parameters: { x: { type: "double", min: 0, max: 1 } },
      objective: "accuracy",
      objectiveType: "maximize",
    });
    expect(res.body.method).toContain("main-effect variance share");
    expect(res.body.note).toContain(`at least ${MIN_IMPORTANCE_TRIALS} completed trials`);
    expect(res.body.importance).toBeUndefined();
    expect(res.body.trials).toBeUndefined();
    const withTrials = await request(app)
      .get("/studies/st/importance?namespace=team-a&include=trials")
      .set(as("alice"));
    expect(withTrials.body.trials.map((t: { id: string }) => t.id)).toEqual(["st-0", "st-1"]);
    const bad = await request(app).get("/studies/st/importance?namespace=team-a&include=trails").set(as("alice"));
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].field).toBe("include");
  });

  it("is a 404 for another tenant's study and for an unknown one, and a 400 without a namespace", async () => {
    const { app, as, spec } = createSecurity();
    await request(app).post("/studies").set(as("alice")).send(spec);
    const bob = await request(app).get("/studies/st/importance?namespace=team-a").set(as("bob"));
    expect(bob.status).toBe(404);
    expect(JSON.stringify(bob.body)).not.toContain("accuracy");
    expect((await request(app).get("/studies/nope/importance?namespace=team-a").set(as("alice"))).status).toBe(404);
    const bare = await request(app).get("/studies/st/importance").set(as("alice"));
    expect(bare.status).toBe(400);
    expect(JSON.stringify(bare.body)).toContain("namespace");
  });
});
