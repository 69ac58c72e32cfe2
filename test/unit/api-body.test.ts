/**
 * Bad request bodies answered fast and in Kinetic's error shape, checked on
 * the api app alone and through functions-framework's own server
 * (getTestServer), which reads and parses every body before our code runs,
 * exactly as deployed. In-memory deps: no emulator, no cluster.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import request from "supertest";
import type { Express } from "express";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { createApiApp } from "../../functions/api/app.ts";
import { MAX_BODY_BYTES } from "../../functions/http-body.ts";
import { setDeps } from "../../shared/deps.ts";
import { ErrorResponse } from "../../shared/schemas/job-record.ts";
import { JOB_SPEC_LIMITS } from "../../shared/schemas/job-spec.ts";
import { MAX_ISSUES } from "../../shared/schemas/job-spec-issues.ts";
import { MEMORY_TOKEN, memoryDeps, type MemoryDeps } from "../../shared/testing.ts";
import "../../functions/api/index.ts";

let deps: MemoryDeps;
beforeEach(() => {
  deps = memoryDeps({ namespaces: ["ns"] });
  setDeps(deps);
});
afterAll(() => setDeps(undefined));

const auth = { Authorization: `Bearer ${MEMORY_TOKEN}` };

/** A JSON body of about `bytes` bytes (one long env value): valid JSON, just too big. */
function bigSpec(bytes: number): string {
  return JSON.stringify({ namespace: "ns", env: { BIG: "x".repeat(bytes) } });
}

async function jobCount(): Promise<number> {
  return (await deps.store.list({ namespace: "ns" })).jobs.length;
}

/** POSTs `body` to /jobs in 64 KiB chunks (Transfer-Encoding: chunked), on a server of its own. */
async function chunkedPost(app: Express | Server, body: string): Promise<{ status: number; text: string }> {
  const server = "listen" in app && !("use" in app) ? app : createServer(app);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((done, fail) => {
      const req = httpRequest(
        {
          port,
          host: "127.0.0.1",
          method: "POST",
          path: "/jobs",
          headers: { ...auth, "Content-Type": "application/json" },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => done({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", fail);
      for (let at = 0; at < body.length; at += 65_536) req.write(body.slice(at, at + 65_536));
      req.end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}

function errorOf(res: request.Response) {
  return ErrorResponse.parse(res.body).error;
}

const servers: Array<[string, () => Express | Server]> = [
  ["the api app", () => createApiApp(() => Promise.resolve(deps))],
  ["functions-framework, as deployed", () => getTestServer("api")],
];

describe.each(servers)("POST /jobs bodies through %s", (_name, server) => {
  it("refuses a body that is not JSON with 415, before authentication", async () => {
    const res = await request(server()).post("/jobs").set("Content-Type", "text/plain").send("image: python");
    expect(res.status).toBe(415);
    expect(errorOf(res)).toMatchObject({ code: "unsupported-media-type" });
    expect(await jobCount()).toBe(0);
  });

  it("refuses an octet-stream body fast, with one small error (not an issue per byte)", async () => {
    const started = performance.now();
    const res = await request(server())
      .post("/jobs")
      .set(auth)
      .set("Content-Type", "application/octet-stream")
      .send(Buffer.alloc(5_000, "a"));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.status).toBe(415);
    expect(res.text.length).toBeLessThan(500);
    expect(errorOf(res).issues).toHaveLength(1);
  });

  it("refuses a 6 MB JSON body with 413 in our shape, fast", async () => {
    const started = performance.now();
    const res = await request(server())
      .post("/jobs")
      .set(auth)
      .set("Content-Type", "application/json")
      .send(bigSpec(6_000_000));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(413);
    expect(errorOf(res)).toMatchObject({
      code: "payload-too-large",
      message: expect.stringContaining(`${MAX_BODY_BYTES}`),
    });
    expect(await jobCount()).toBe(0);
  });

  it("refuses a chunked body over the limit by its size (no Content-Length to go by)", async () => {
    const res = await chunkedPost(server(), bigSpec(MAX_BODY_BYTES + 10));
    expect(res.status).toBe(413);
    expect(ErrorResponse.parse(JSON.parse(res.text)).error.code).toBe("payload-too-large");
  });

  it("refuses an empty body with 400 and creates nothing", async () => {
    const res = await request(server()).post("/jobs").set(auth).set("Content-Type", "application/json").send("");
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid-argument", message: expect.stringContaining("empty") });
    const none = await request(server()).post("/jobs").set(auth);
    expect(none.status).toBe(400);
    expect(await jobCount()).toBe(0);
  });

  it("refuses a spec with too many env entries in one issue, and bounds the list of per-entry issues", async () => {
    const env = (n: number, key: (i: number) => string) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), "v"]));
    const tooMany = await request(server())
      .post("/jobs")
      .set(auth)
      .send({ namespace: "ns", env: env(20_000, (i) => `K${i}`) });
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany).issues).toEqual([
      { field: "env", message: `at most ${JOB_SPEC_LIMITS.env} entries (got 20000)` },
    ]);
    const bad = await request(server())
      .post("/jobs")
      .set(auth)
      .send({ namespace: "ns", env: env(1_000, (i) => `bad name ${i}`) });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).issues).toHaveLength(MAX_ISSUES + 1);
    expect(bad.text.length).toBeLessThan(20_000);
  });

  it("accepts Metaflow's sharedMemory: 1024 as 1024Mi", async () => {
    const res = await request(server()).post("/jobs").set(auth).send({ namespace: "ns", sharedMemory: 1024 });
    expect(res.status, res.text).toBe(201);
    expect(res.body.job.spec.sharedMemory).toBe("1024Mi");
    const [workload] = [...deps.cluster.submitted.values()];
    expect(JSON.stringify(workload)).toContain('"sizeLimit":"1024Mi"');
  });
});

describe("malformed JSON", () => {
  it("is a 400 in our shape from the api app", async () => {
    const res = await request(createApiApp(() => Promise.resolve(deps)))
      .post("/jobs")
      .set(auth)
      .set("Content-Type", "application/json")
      .send('{"image": "python');
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "invalid-argument", issues: [{ field: "(body)" }] });
  });

  it("is a 400 under functions-framework, which answers it before our code (its own HTML body)", async () => {
    const res = await request(getTestServer("api"))
      .post("/jobs")
      .set(auth)
      .set("Content-Type", "application/json")
      .send('{"image": "python');
    expect(res.status).toBe(400);
    // Not ours to shape: the framework's express app has no hook before its body parser (see functions/http-body.ts).
    expect(res.type).toBe("text/html");
    expect(await jobCount()).toBe(0);
  });
});
