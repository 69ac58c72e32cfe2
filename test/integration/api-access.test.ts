/** Who may see and touch which jobs: the namespace policy applies to reads, logs and cancels, not only to submits. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import { createTestNamespace, type TestNamespace } from "../../testbed/index.ts";
import { testDeps, uniqueId } from "./support.ts";
import "../../functions/api/index.ts";

let ns: TestNamespace;
let deps: Deps;
const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const OWNER = "owner-" + uniqueId("t");
const OUTSIDER = "outsider-" + uniqueId("t");
const OPERATOR = "operator-" + uniqueId("t");

beforeAll(async () => {
  ns = await createTestNamespace("access");
  const base = testDeps({ namespaces: [] });
  deps = {
    ...base,
    config: { ...base.config, namespacePolicy: { team: [ns.name], ops: ["*"], other: ["elsewhere-*"] } },
    auth: createAuthenticator({
      staticTokens: [
        { name: "team", token: OWNER },
        { name: "other", token: OUTSIDER },
        { name: "ops", token: OPERATOR },
      ],
      allowedEmails: [],
    }),
  };
  setDeps(deps);
});

afterAll(async () => {
  setDeps(undefined);
  await ns?.cleanup();
});

describe("namespace access on the API", () => {
  it("lets the owner read and cancel, shows an outsider nothing (404), and keeps listing every namespace for operators", async () => {
    const id = uniqueId("acc");
    const created = await request(getTestServer("api"))
      .post("/jobs")
      .set(as(OWNER))
      .send({ id, namespace: ns.name, command: ["true"], cpu: "100m", memory: "64Mi" });
    expect(created.status).toBe(201);

    // A job in a namespace the outsider may not use answers exactly as a job that does not exist.
    for (const [method, path] of [
      ["get", `/jobs/${id}`],
      ["get", `/jobs/${id}/logs`],
      ["post", `/jobs/${id}/cancel`],
    ] as const) {
      const res = await request(getTestServer("api"))[method](path).set(as(OUTSIDER));
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not-found");
    }
    // Naming the namespace outright is a plain refusal: it says nothing about any job.
    const listed = await request(getTestServer("api")).get(`/jobs?namespace=${ns.name}`).set(as(OUTSIDER));
    expect(listed.status).toBe(403);
    expect(listed.body.error.code).toBe("permission-denied");
    expect((await deps.store.get({ namespace: ns.name, id }))!.state).not.toBe("CANCELLED");

    const all = await request(getTestServer("api")).get("/jobs").set(as(OWNER));
    expect(all.status).toBe(403);
    expect(all.body.error.issues[0].field).toBe("namespace");
    const opsList = await request(getTestServer("api")).get("/jobs").set(as(OPERATOR));
    expect(opsList.status).toBe(200);
    expect(opsList.body.jobs.map((j: { id: string }) => j.id)).toContain(id);

    expect((await request(getTestServer("api")).get(`/jobs/${id}`).set(as(OWNER))).status).toBe(200);
    const cancel = await request(getTestServer("api")).post(`/jobs/${id}/cancel`).set(as(OWNER));
    expect(cancel.status).toBe(200);
    expect(cancel.body.job.state).toBe("CANCELLED");
  });
});
