// GET /studies/{id}/importance on the API app over memory deps: the report with the search space and the objective,
// the trials on request, and tenants (another namespace's study is a 404, as for the other study routes).
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApiApp } from "./app.ts";
import { studyRoutes } from "./study-routes.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { driveStudy } from "../../shared/studies/drive.ts";
import { MIN_IMPORTANCE_TRIALS } from "../../shared/studies/importance.ts";
import { studyTestDeps, testStudySpec } from "../../shared/studies/study-test-kit.ts";

function setup() {
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

describe("GET /studies/{id}/importance", () => {
  it("answers the report, the search space and the objective; the trials only when asked", async () => {
    const { app, as, deps, spec } = setup();
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
  });

  it("is a 404 for another tenant's study and for an unknown one, and a 400 without a namespace", async () => {
    const { app, as, spec } = setup();
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
