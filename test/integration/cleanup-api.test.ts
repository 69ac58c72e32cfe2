/**
 * The cleanup entry points a person or Cloud Scheduler uses: the cleanupTtl
 * HTTP handler, the admin API routes (Kaptain's utilities) and the CLI
 * commands over a real local HTTP server, on the emulator and the testbed.
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import type express from "express";
import request from "supertest";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registerCleanupCommands } from "../../cli/commands/cleanup.ts";
import { createContext } from "../../cli/context.ts";
import type { Io } from "../../cli/output.ts";
import { createApiApp } from "../../functions/api/app.ts";
import { adminRoutes } from "../../functions/api/admin-routes.ts";
import { CLEANUP_RUNS as RUNS } from "../../shared/store/run-store.ts";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { createTestNamespace, kubeConfigFromEnv, type TestNamespace } from "../../testbed/index.ts";
import { Fixture, kineticLabels } from "./cleanup-support.ts";
import { TEST_TOKEN, testDeps } from "./support.ts";
import "../../functions/cleanup-ttl/index.ts";

const kc = kubeConfigFromEnv();
const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
let ns: TestNamespace;
let f: Fixture;
let deps: Deps;
let api: express.Express;
let cron: ReturnType<typeof getTestServer>;

beforeEach(async () => {
  ns = await createTestNamespace("cleanup-api");
  f = new Fixture(kc, ns.name);
  // The tester is an operator ("*") and the scheduler, as cleanup and the admin routes require.
  deps = testDeps({
    namespaces: [ns.name],
    config: { namespacePolicy: { tester: ["*"] }, schedulers: ["tester"] },
    clock: f.clock,
    stores: f.stores,
    cluster: f.cluster,
  });
  api = createApiApp(() => Promise.resolve(deps), [adminRoutes]);
  setDeps(deps);
  cron = getTestServer("cleanupTtl");
});

afterEach(async () => {
  setDeps(undefined);
  await ns?.cleanup();
});

/** One finished job past its TTL ("old"), one running job ("busy"), and a stale Secret of the finished job. */
async function scenario(): Promise<void> {
  await f.createJob("old");
  await f.createJob("busy", { run: true });
  await f.waitComplete("old");
  await f.waitRunning("busy");
  await f.record("old", { state: "SUCCEEDED", ttl: 60 });
  await f.record("busy", { state: "RUNNING" });
  await f.createSecret("old-creds", kineticLabels("old"));
  f.clock.advance(3600_000);
}

describe("cleanupTtl through functions-framework", () => {
  it("authenticates and validates its input, naming the field", async () => {
    expect((await request(cron).post("/").send({})).status).toBe(401);
    const typo = await request(cron).post("/").set(auth).send({ dryrun: true });
    expect(typo.status).toBe(400);
    expect(typo.body.error.issues).toEqual([expect.objectContaining({ field: "dryrun" })]);
    const unscoped = await request(cron).post("/").set(auth).send({ force: true });
    expect(unscoped.status).toBe(400);
    expect(unscoped.body.error.issues).toEqual([expect.objectContaining({ field: "namespace" })]);
    const badNs = await request(cron).post("/").set(auth).send({ namespace: "Not_A_Namespace" });
    expect(badNs.status).toBe(400);
    expect(badNs.body.error.issues[0].field).toBe("namespace");
  });

  it("uses the schedule time as the run id: a retried tick reports the first run and deletes nothing more", async () => {
    await scenario();
    const tick = { ...auth, "X-CloudScheduler-ScheduleTime": "2026-11-26T08:15:00Z" };
    const first = await request(cron).post("/").set(tick).send({ namespace: ns.name });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      runId: "tick-2026-11-26T08:15:00.000Z",
      status: "completed",
      counts: { deleted: 1 },
    });
    expect(first.body.items).toContainEqual(expect.objectContaining({ action: "would-delete", name: "old-creds" }));
    const retry = await request(cron).post("/").set(tick).send({ namespace: ns.name });
    expect(retry.body).toMatchObject({ runId: first.body.runId, status: "duplicate", counts: first.body.counts });
    const record = await f.db.collection(RUNS).doc(first.body.runId).get();
    expect(record.data()).toMatchObject({ status: "completed", trigger: "schedule (tester)" });
  });

  it("force (with a namespace) deletes the running job and the stale Secret too", async () => {
    await scenario();
    const res = await request(cron).post("/").set(auth).query({ namespace: ns.name, force: "true" });
    expect(res.status).toBe(200);
    const deleted = (res.body.items as Array<{ action: string; name: string }>)
      .filter((i) => i.action === "deleted")
      .map((i) => i.name);
    expect(deleted.sort()).toEqual(["busy", "old", "old-creds"]);
    await f.waitGone("busy");
    expect(await f.secretExists("old-creds")).toBe(false);
  });
});

describe("admin API", () => {
  it("diagnose lists every Kinetic resource with its job's state and what cleanup would do", async () => {
    await scenario();
    await f.createJob("stranger", { labelled: false });
    const res = await request(api).get("/admin/diagnose").set(auth).query({ namespace: ns.name });
    expect(res.status).toBe(200);
    const byName = new Map(
      (res.body.resources as Array<{ kind: string; name: string }>).map((r) => [`${r.kind}/${r.name}`, r]),
    );
    expect(byName.get("Job/old")).toMatchObject({
      jobId: "old",
      jobState: "SUCCEEDED",
      phase: "Succeeded",
      cleanup: { action: "would-delete" },
    });
    expect(byName.get("Job/busy")).toMatchObject({ jobState: "RUNNING", phase: "Active", cleanup: { action: "kept" } });
    expect(byName.get("Secret/old-creds")).toMatchObject({ cleanup: { action: "would-delete" } });
    expect(byName.has("Job/stranger")).toBe(false);
    expect(res.body.byKind.Pod).toBeGreaterThanOrEqual(2);
    // Diagnose changes nothing.
    expect(await f.jobExists("old")).toBe(true);
    expect((await f.db.collection(RUNS).get()).size).toBe(0);
  });

  it("lists workloads, and deletes one job's workload (a running one becomes CANCELLED)", async () => {
    await scenario();
    const list = await request(api).get("/admin/workloads").set(auth).query({ namespace: ns.name });
    expect(list.body.workloads.map((w: { name: string }) => w.name).sort()).toEqual(["busy", "old"]);
    const wrongKind = await request(api).delete("/admin/jobs/busy").set(auth).query({ kind: "JobSet" });
    expect(wrongKind.status).toBe(200);
    expect(wrongKind.body.items).toEqual([]);
    expect(await f.jobExists("busy")).toBe(true);
    const del = await request(api).delete("/admin/jobs/busy").set(auth).query({ kind: "Job" });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({
      jobId: "busy",
      state: "CANCELLED",
      items: [{ action: "deleted", kind: "Job", name: "busy" }],
    });
    await f.waitGone("busy");
    const missing = await request(api).delete("/admin/jobs/nope").set(auth);
    expect(missing.status).toBe(404);
  });

  it("delete-completed deletes finished workloads whatever their TTL, and running ones only with force", async () => {
    await f.createJob("fresh");
    await f.createJob("busy", { run: true });
    await f.waitComplete("fresh");
    await f.waitRunning("busy");
    await f.record("fresh", { state: "SUCCEEDED", ttl: 86_400 });
    await f.record("busy", { state: "RUNNING" });
    const plain = await request(api).post("/admin/jobs/delete-completed").set(auth).send({ namespace: ns.name });
    expect(
      plain.body.items.filter((i: { action: string }) => i.action === "deleted").map((i: { name: string }) => i.name),
    ).toEqual(["fresh"]);
    expect(await f.jobExists("busy")).toBe(true);
    const forced = await request(api)
      .post("/admin/jobs/delete-completed")
      .set(auth)
      .send({ namespace: ns.name, force: true });
    expect(
      forced.body.items.filter((i: { action: string }) => i.action === "deleted").map((i: { name: string }) => i.name),
    ).toEqual(["busy"]);
    await f.waitGone("busy");
  });

  it("is for operators: a caller who may only use the namespace gets 403", async () => {
    deps.config = { ...deps.config, namespacePolicy: { tester: [ns.name] } };
    const res = await request(api).post("/admin/clean").set(auth).send({ namespace: ns.name, force: true });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/for operators/);
  });
});

describe("CLI", () => {
  let server: Server;
  let env: Record<string, string>;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "kinetic-cli-cleanup-"));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  beforeEach(async () => {
    server = api.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    env = {
      HOME: home,
      KINETIC_PROFILES_FILE: join(home, "profiles.json"),
      KINETIC_API_URL: `http://127.0.0.1:${port}`,
      KINETIC_API_TOKEN: TEST_TOKEN,
      KINETIC_PROJECT: "test-proj",
    };
    return () => new Promise<void>((done) => server.close(() => done()));
  });

  async function kinetic(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const io: Io = { out: (t) => (out += t), err: (t) => (err += t), stderrIsTty: false, stdinIsTty: false };
    const program = new Command("kinetic").exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    registerCleanupCommands(program, createContext(program, io, env));
    try {
      await program.parseAsync(args, { from: "user" });
      return { code: 0, out, err };
    } catch (e) {
      return { code: (e as { exitCode?: number }).exitCode ?? 1, out, err: err + String(e) };
    }
  }

  it("clean is a dry run that says what it would delete; --force deletes it", async () => {
    await scenario();
    const dry = await kinetic(["clean", "--namespace", ns.name]);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would delete +Job .*\/old: finished \(SUCCEEDED.*more than its TTL \(60 s\) ago/);
    expect(dry.out).toMatch(/would delete +Secret .*\/old-creds \(job old\): belongs to job old/);
    expect(dry.out).toMatch(/Nothing was deleted\. Run again with --force to delete\./);
    expect(await f.jobExists("old")).toBe(true);

    const real = await kinetic(["clean", "--namespace", ns.name, "--force"]);
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/deleted +Job .*\/old/);
    expect(real.out).toMatch(/deleted +Secret .*\/old-creds/);
    expect(real.out).toMatch(/2 deleted/);
    expect(await f.jobExists("busy")).toBe(true);
  });

  it("clean-all lists the running job too and deletes it only with --force; jobs delete and diagnose print results", async () => {
    await scenario();
    const dry = await kinetic(["clean-all", "--namespace", ns.name]);
    expect(dry.out).toMatch(/would delete +Job .*\/busy: job was RUNNING/);
    expect(await f.jobExists("busy")).toBe(true);
    const diag = await kinetic(["diagnose", "--namespace", ns.name]);
    expect(diag.out).toMatch(/^KIND +NAME +JOB +JOB STATE/m);
    expect(diag.out).toMatch(/Job +busy +busy +RUNNING +Active/);
    const del = await kinetic(["jobs", "delete", "old", "--kind", "job"]);
    expect(del.out).toMatch(/deleted +Job .*\/old/);
    expect(del.out).toMatch(/Job old is SUCCEEDED\./);
    const badKind = await kinetic(["jobs", "delete", "old", "--kind", "pod"]);
    expect(badKind.code).not.toBe(0);
    expect(badKind.err).toMatch(/--kind must be Job or JobSet/);
    const all = await kinetic(["clean-all", "--namespace", ns.name, "--force"]);
    expect(all.out).toMatch(/deleted +Job .*\/busy/);
    await f.waitGone("busy");
  });
});
