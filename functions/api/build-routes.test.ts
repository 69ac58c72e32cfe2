// The repo and build routes on the API app over memory deps: repositories are for operators, the secret is in the
// registration's answer only, and a build outside the caller's namespaces answers as one that does not exist.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApiApp } from "./app.ts";
import { buildRoutes } from "./build-routes.ts";
import { repoRoutes } from "./repo-routes.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { memoryDeps } from "../../shared/testing.ts";
import type { BuildDoc } from "../../shared/store/build-store.ts";

const KEY = "ab".repeat(32);

function setup() {
  const deps = memoryDeps({ config: { namespacePolicy: { ops: ["*"], alice: ["team-a"], bob: ["team-b"] } } });
  deps.auth = createAuthenticator({
    staticTokens: ["ops", "alice", "bob"].map((name) => ({ name, token: `${name}-token` })),
    allowedEmails: [],
  });
  const app = createApiApp(async () => deps, [buildRoutes, repoRoutes]);
  const as = (who: "ops" | "alice" | "bob") => ({ authorization: `Bearer ${who}-token` });
  return { deps, app, as };
}

const REGISTRATION = {
  provider: "github",
  repository: "acme/train",
  branches: ["main"],
  namespace: "team-a",
  build: { baseImage: "127.0.0.1:5000/base:py" },
};

describe("repo routes", () => {
  it("operators register, list and remove repositories; the secret is answered once and never listed", async () => {
    const { app, as, deps } = setup();
    const created = await request(app).post("/repos").set(as("ops")).send(REGISTRATION);
    expect(created.status).toBe(201);
    const { repo, secret } = created.body as { repo: { id: string; hookPath: string }; secret: string };
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(repo.hookPath).toBe(`/hooks/${repo.id}`);
    const list = await request(app).get("/repos").set(as("ops"));
    expect(list.body.repos.map((r: { id: string }) => r.id)).toEqual([repo.id]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify((await request(app).get(`/repos/${repo.id}`).set(as("ops"))).body)).not.toContain(secret);
    expect(JSON.stringify(deps.logs)).not.toContain(secret);
    expect((await request(app).delete(`/repos/${repo.id}`).set(as("ops"))).body).toEqual({ deleted: repo.id });
    expect((await request(app).delete(`/repos/${repo.id}`).set(as("ops"))).status).toBe(404);
    expect(await deps.hookSecrets.get(repo.id)).toEqual([]);
  });

  it("is for operators only, and bad input names the field", async () => {
    const { app, as } = setup();
    for (const call of [
      request(app).post("/repos").set(as("alice")).send(REGISTRATION),
      request(app).get("/repos").set(as("alice")),
      request(app).delete("/repos/train-0123456789").set(as("alice")),
    ])
      expect((await call).status).toBe(403);
    const bad = await request(app)
      .post("/repos")
      .set(as("ops"))
      .send({ ...REGISTRATION, branches: ["has space"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([{ field: "branches.0", message: expect.any(String) }]);
  });
});

describe("build routes", () => {
  async function seedBuild(deps: ReturnType<typeof setup>["deps"]): Promise<BuildDoc> {
    const { build } = await deps.builds.open({
      key: KEY,
      request: { context: { kind: "git", url: "https://user:tok@git.example/acme/train.git", commit: "c".repeat(40) } },
      image: `127.0.0.1:5000/kinetic/jobs:${KEY}`,
      baseImage: "127.0.0.1:5000/base@sha256:" + "d".repeat(64),
      accelerator: "cpu",
      recipe: "crane-layers@1",
    });
    await deps.builds.setLogTail(build.id, ["step 1", "step 2"]);
    await deps.buildRefs.add({ namespace: "team-a", buildId: build.id, at: build.createdAt, source: "push:r" });
    return build;
  }

  it("a tenant sees its namespace's builds and logs; another tenant gets 404 as for no build; operators see all", async () => {
    const { app, as, deps } = setup();
    const b = await seedBuild(deps);
    const mine = await request(app).get(`/builds/${b.id}`).set(as("alice"));
    expect(mine.status).toBe(200);
    expect(mine.body.build).toMatchObject({ id: b.id, state: "QUEUED", logTail: ["step 1", "step 2"] });
    // Credentials in a Git URL are never shown; claim bookkeeping neither.
    expect(mine.body.build.context.url).toBe("https://git.example/acme/train.git");
    expect(mine.body.build).not.toHaveProperty("claimOwner");
    expect((await request(app).get(`/builds/${b.id}/logs?namespace=team-a`).set(as("alice"))).text).toBe(
      "step 1\nstep 2\n",
    );
    const other = await request(app).get(`/builds/${b.id}`).set(as("bob"));
    const none = await request(app)
      .get(`/builds/${"e".repeat(64)}-1`)
      .set(as("bob"));
    expect([other.status, other.body.error.message]).toEqual([404, `build ${b.id} not found`]);
    expect(none.status).toBe(404);
    expect((await request(app).get(`/builds/${b.id}?namespace=team-a`).set(as("bob"))).status).toBe(404);
    expect((await request(app).get("/builds?namespace=team-a").set(as("alice"))).body.builds).toHaveLength(1);
    expect((await request(app).get("/builds?namespace=team-b").set(as("bob"))).body.builds).toHaveLength(0);
    expect((await request(app).get("/builds?namespace=team-a").set(as("bob"))).status).toBe(403);
    expect((await request(app).get("/builds").set(as("alice"))).status).toBe(403);
    expect((await request(app).get("/builds").set(as("ops"))).body.builds).toHaveLength(1);
  });

  it("POST /builds refuses a directory context outside local mode, and a namespace the caller may not use", async () => {
    const { app, as } = setup();
    const req = { context: { kind: "dir", path: "/tmp/x" }, baseImage: "r/base:1", accelerator: "cpu" };
    const dir = await request(app)
      .post("/builds")
      .set(as("alice"))
      .send({ namespace: "team-a", ...req });
    expect(dir.status).toBe(400);
    expect(dir.body.error.issues[0].field).toBe("context.kind");
    const ns = await request(app)
      .post("/builds")
      .set(as("alice"))
      .send({ namespace: "team-b", ...req });
    expect(ns.status).toBe(403);
  });
});
