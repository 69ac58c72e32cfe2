/**
 * The HTTP jobs API through functions-framework's own server (getTestServer),
 * on the Firestore emulator and the testbed cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { BatchV1Api } from "@kubernetes/client-node";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { JobListResponse, JobRecord, ErrorResponse } from "../../shared/schemas/job-record.ts";
import { workloadName } from "../../shared/manifests/render.ts";
import {
  createTestNamespace,
  kubeConfigFromEnv,
  waitFor,
  TEST_ANNOTATIONS,
  type TestNamespace,
} from "../../testbed/index.ts";
import { TEST_TOKEN, testDeps, uniqueId } from "./support.ts";
import "../../functions/api/index.ts";

let ns: TestNamespace;
let deps: Deps;
const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const server = () => getTestServer("api");

beforeAll(async () => {
  ns = await createTestNamespace("api");
  deps = testDeps({ namespaces: [ns.name] });
  setDeps(deps);
});

afterAll(async () => {
  setDeps(undefined);
  await ns?.cleanup();
});

const spec = (extra: Record<string, unknown> = {}) => ({
  namespace: ns.name,
  command: ["python", "-c", "print(1)"],
  cpu: "100m",
  memory: "128Mi",
  ...extra,
});

describe("authentication", () => {
  it("refuses calls without a valid bearer token", async () => {
    const none = await request(server()).get("/jobs");
    expect(none.status).toBe(401);
    expect(ErrorResponse.parse(none.body).error.code).toBe("unauthenticated");
    const wrong = await request(server()).get("/jobs").set("Authorization", "Bearer nope");
    expect(wrong.status).toBe(401);
  });
});

describe("POST /jobs", () => {
  it("creates a job (201), returns it for a repeated submission (200), and refuses the id with another spec (409)", async () => {
    const id = uniqueId("http");
    const first = await request(server()).post("/jobs").set(auth).send(spec({ id }));
    expect(first.status).toBe(201);
    const created = JobRecord.parse(first.body.job);
    expect(created).toMatchObject({ id, state: "SUBMITTED", namespace: ns.name });

    const again = await request(server()).post("/jobs").set(auth).send(spec({ id }));
    expect(again.status).toBe(200);
    expect(JobRecord.parse(again.body.job)).toMatchObject({ id, createdAt: created.createdAt });
    // The same id with another spec is another job: refused, the first one untouched.
    const changed = await request(server())
      .post("/jobs")
      .set(auth)
      .send(spec({ id, cpu: "2" }));
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe("id-conflict");
    const k8s = await kubeConfigFromEnv()
      .makeApiClient(BatchV1Api)
      .listNamespacedJob({ namespace: ns.name, labelSelector: `kinetic.dev/job-id=${id}` });
    expect(k8s.items).toHaveLength(1);
  });

  it("uses Idempotency-Key for clients that send no id", async () => {
    const key = uniqueId("key");
    const a = await request(server()).post("/jobs").set(auth).set("Idempotency-Key", key).send(spec());
    const b = await request(server()).post("/jobs").set(auth).set("Idempotency-Key", key).send(spec());
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.job.id).toBe(a.body.job.id);
  });

  it("answers 400 with per-field errors for an invalid spec", async () => {
    const res = await request(server())
      .post("/jobs")
      .set(auth)
      .send(spec({ cpu: "lots", labels: { ok: "x".repeat(64) }, workerz: 2 }));
    expect(res.status).toBe(400);
    const { error } = ErrorResponse.parse(res.body);
    const fields = error.issues!.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["cpu", "workerz"]));
    expect(fields.some((f) => f.startsWith("labels"))).toBe(true);
  });

  it("answers 400 for malformed JSON and 403 for a namespace the caller does not own", async () => {
    // functions-framework's body parser answers malformed JSON before any handler runs.
    const bad = await request(server()).post("/jobs").set(auth).set("Content-Type", "application/json").send("{oops");
    expect(bad.status).toBe(400);
    const notObject = await request(server()).post("/jobs").set(auth).send([1, 2]);
    expect(notObject.status).toBe(400);
    expect(ErrorResponse.parse(notObject.body).error.issues?.[0]?.field).toBe("(body)");

    const denied = await request(server())
      .post("/jobs")
      .set(auth)
      .send(spec({ id: uniqueId("deny"), namespace: "kube-system" }));
    expect(denied.status).toBe(403);
    expect(ErrorResponse.parse(denied.body).error.issues?.[0]?.field).toBe("namespace");
  });
});

describe("reading, cancelling and logs", () => {
  it("lists with filters and cursor pagination", async () => {
    for (let i = 0; i < 3; i++)
      await request(server())
        .post("/jobs")
        .set(auth)
        .send(spec({ id: uniqueId(`page${i}`) }));
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const res = await request(server())
        .get("/jobs")
        .query({ namespace: ns.name, limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth);
      expect(res.status).toBe(200);
      const page = JobListResponse.parse(res.body);
      for (const j of page.jobs) seen.add(j.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const bad = await request(server()).get("/jobs").query({ state: "DONE" }).set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].field).toBe("state");
  });

  it("returns a job with its history, and 404 for an unknown id", async () => {
    const id = uniqueId("get");
    await request(server()).post("/jobs").set(auth).send(spec({ id }));
    const res = await request(server()).get(`/jobs/${id}`).set(auth);
    expect(res.status).toBe(200);
    expect(JobRecord.parse(res.body.job).events?.map((e) => e.state)).toEqual(["QUEUED", "SUBMITTED"]);
    const missing = await request(server()).get("/jobs/nope-404").set(auth);
    expect(missing.status).toBe(404);
  });

  it("cancels a running job: CANCELLED in Firestore and the Job is deleted", async () => {
    const id = uniqueId("cancel");
    await request(server())
      .post("/jobs")
      .set(auth)
      .send(spec({ id, annotations: { [TEST_ANNOTATIONS.outcome]: "run" } }));
    const res = await request(server()).post(`/jobs/${id}/cancel`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.job.state).toBe("CANCELLED");
    const jobs = kubeConfigFromEnv().makeApiClient(BatchV1Api);
    await waitFor(
      async () => {
        try {
          const j = await jobs.readNamespacedJob({ name: workloadName(id), namespace: ns.name });
          return j.metadata?.deletionTimestamp ? true : undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 30_000, description: "the Job to be deleted" },
    );
    // A later sync must not resurrect a cancelled job.
    await syncJobs(deps);
    expect((await deps.store.get({ namespace: ns.name, id }))!.state).toBe("CANCELLED");
    const again = await request(server()).post(`/jobs/${id}/cancel`).set(auth);
    expect(again.status).toBe(200);
    expect(again.body.job.state).toBe("CANCELLED");
  });

  it("validates the logs query, 404s an unknown job, and reports unreachable logs as retryable", async () => {
    const id = uniqueId("logs");
    await request(server())
      .post("/jobs")
      .set(auth)
      .send(spec({ id, annotations: { [TEST_ANNOTATIONS.outcome]: "run" } }));
    const bad = await request(server()).get(`/jobs/${id}/logs`).query({ worker: "-1" }).set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].field).toBe("worker");
    expect((await request(server()).get("/jobs/missing-1/logs").set(auth)).status).toBe(404);
    // KWOK nodes run no kubelet, so the API server cannot fetch container logs: the API says so with 503
    // (retryable) and the API server's reason. Real log content is covered by the local runtime's tests.
    await waitFor(async () => {
      await syncJobs(deps);
      return (await deps.store.get({ namespace: ns.name, id }))?.state === "RUNNING";
    });
    const res = await request(server()).get(`/jobs/${id}/logs`).set(auth);
    expect(res.status).toBe(503);
    expect(ErrorResponse.parse(res.body).error.code).toBe("cluster-unavailable");
  });
});
