/**
 * cleanupTtl on the Firestore emulator and the testbed cluster: TTLs per
 * job, force, labels, dry runs, concurrent runs and a run that dies halfway.
 * Every run is scoped to the test's own namespace and Firestore project.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCleanup } from "../../shared/cleanup/run.ts";
import { CLEANUP_RUNS as RUNS } from "../../shared/store/run-store.ts";
import type { CleanupSummary } from "../../shared/cleanup/types.ts";
import {
  createTestNamespace,
  kubeConfigFromEnv,
  requireAddon,
  waitFor,
  type TestNamespace,
} from "../../testbed/index.ts";
import { DEFAULT_TTL, Fixture, instrumented, kineticLabels } from "./cleanup-support.ts";

const kc = kubeConfigFromEnv();
let ns: TestNamespace;
let f: Fixture;

beforeEach(async () => {
  ns = await createTestNamespace("cleanup");
  f = new Fixture(kc, ns.name);
});

afterEach(async () => {
  await ns?.cleanup();
});

const names = (s: CleanupSummary, action: string) =>
  s.items
    .filter((i) => i.action === action)
    .map((i) => i.name)
    .sort();
const reasonOf = (s: CleanupSummary, name: string) => s.items.find((i) => i.name === name)?.reason ?? "(not listed)";

describe("TTL sweep", () => {
  it("deletes a finished job past its TTL, keeps one within it, and never touches an unlabelled Job", async () => {
    await f.createJob("short");
    await f.createJob("long");
    await f.createJob("forced");
    await f.createJob("unlabelled", { labelled: false });
    await f.waitComplete("short", "long", "forced", "unlabelled");
    await f.record("short", { state: "SUCCEEDED", ttl: 60 });
    await f.record("long", { state: "SUCCEEDED", ttl: 3600 });
    await f.record("forced", { state: "SUCCEEDED", forceCleanup: true });

    f.clock.advance(120_000);
    const run = await runCleanup(f.deps(), { namespace: ns.name });

    expect(run.status).toBe("completed");
    expect(names(run, "deleted")).toEqual(["forced", "short"]);
    expect(reasonOf(run, "short")).toMatch(/more than its TTL \(60 s\) ago/);
    expect(reasonOf(run, "forced")).toMatch(/forceCleanup/);
    expect(names(run, "kept")).toEqual(["long"]);
    expect(reasonOf(run, "long")).toMatch(/within its TTL \(3600 s\)/);
    await f.waitGone("short");
    await f.waitGone("forced");
    // Their pods go with them (background propagation: the garbage collector deletes them).
    await waitFor(async () => (await f.podCount("short")) === 0, {
      timeoutMs: 30_000,
      description: "pods of short deleted",
    });
    expect(await f.jobExists("long")).toBe(true);
    expect(await f.jobExists("unlabelled")).toBe(true);
    expect(run.items.some((i) => i.name === "unlabelled")).toBe(false);
    expect((await f.store.get({ namespace: ns.name, id: "short" }))?.cleanupPending).toBe(false);

    // The run left an audit record with the same summary.
    const stored = (await f.db.collection(RUNS).doc(run.runId).get()).data() as CleanupSummary;
    expect(stored).toMatchObject({ status: "completed", counts: { deleted: 2, kept: 1 } });

    // Once the long TTL has passed, the next run deletes it; the unlabelled Job still stands.
    f.clock.advance(3600_000);
    const later = await runCleanup(f.deps(), { namespace: ns.name });
    expect(names(later, "deleted")).toEqual(["long"]);
    await f.waitGone("long");
    expect(await f.jobExists("unlabelled")).toBe(true);
  });

  it("applies the TTL to objects whose record never got a cleanup due date, and to objects with no record", async () => {
    await f.createJob("unflagged");
    await f.createJob("orphan");
    await f.waitComplete("unflagged", "orphan");
    await f.record("unflagged", { state: "SUCCEEDED", ttl: 30, flag: false });

    f.clock.advance(60_000);
    const first = await runCleanup(f.deps(), { namespace: ns.name });
    expect(names(first, "deleted")).toEqual(["unflagged"]);
    expect(reasonOf(first, "orphan")).toMatch(/within its TTL/);

    // With no record, the operator's default TTL applies.
    f.clock.advance(DEFAULT_TTL * 1000);
    const second = await runCleanup(f.deps(), { namespace: ns.name });
    expect(names(second, "deleted")).toEqual(["orphan"]);
    expect(reasonOf(second, "orphan")).toMatch(/no Kinetic record/);
    await f.waitGone("orphan");
  });

  it("keeps a running job, and deletes it only with force (recording it CANCELLED)", async () => {
    await f.createJob("busy", { run: true });
    await f.waitRunning("busy");
    await f.record("busy", { state: "RUNNING" });

    f.clock.advance(30 * 86_400_000);
    const plain = await runCleanup(f.deps(), { namespace: ns.name, ignoreTtl: true });
    expect(names(plain, "kept")).toEqual(["busy"]);
    expect(reasonOf(plain, "busy")).toMatch(/job is RUNNING; .*only with force/);
    expect(await f.jobExists("busy")).toBe(true);

    const forced = await runCleanup(f.deps(), { namespace: ns.name, includeActive: true });
    expect(names(forced, "deleted")).toEqual(["busy"]);
    await f.waitGone("busy");
    expect((await f.store.get({ namespace: ns.name, id: "busy" }))?.state).toBe("CANCELLED");
  });

  it("deletes an expired JobSet with its child Jobs and pods, never a child Job on its own", async () => {
    requireAddon("jobset");
    await f.createJobSet("set", 2);
    const completed = await waitFor(
      async () =>
        (await f.cluster.listManaged(ns.name, ["JobSet"])).find((o) => o.name === "set" && o.phase === "Succeeded"),
      { timeoutMs: 60_000, description: "JobSet set Completed" },
    );
    expect(completed.finishedAt).toBeDefined();
    await f.record("set", { state: "SUCCEEDED", ttl: 60, kind: "JobSet" });
    expect(await f.podCount("set")).toBe(2);

    f.clock.advance(30_000);
    const early = await runCleanup(f.deps(), { namespace: ns.name });
    expect(early.items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual(["kept JobSet/set"]);

    f.clock.advance(60_000);
    const run = await runCleanup(f.deps(), { namespace: ns.name });
    expect(run.items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual(["deleted JobSet/set"]);
    await waitFor(
      async () =>
        (await f.podCount("set")) === 0 && (await f.cluster.listManaged(ns.name, ["Job", "JobSet"])).length === 0,
      {
        timeoutMs: 30_000,
        description: "JobSet, child Jobs and pods deleted",
      },
    );
  });

  it("refuses force without a namespace, naming the field", async () => {
    await expect(runCleanup(f.deps(), { includeActive: true })).rejects.toMatchObject({
      code: "invalid-argument",
      issues: [expect.objectContaining({ field: "namespace" })],
    });
  });
});

describe("dry runs and stale resources", () => {
  it("a dry run lists what it would delete and why, and deletes nothing", async () => {
    await f.createJob("done");
    await f.waitComplete("done");
    await f.record("done", { state: "SUCCEEDED", ttl: 10 });
    await f.createSecret("done-creds", kineticLabels("done"));

    f.clock.advance(3600_000);
    const dry = await runCleanup(f.deps(), { namespace: ns.name, dryRun: true, deleteStale: true });
    expect(dry.status).toBe("completed");
    expect(dry.counts.deleted).toBe(0);
    expect(names(dry, "would-delete")).toEqual(["done", "done-creds"]);
    expect(reasonOf(dry, "done-creds")).toMatch(/belongs to job done, which is SUCCEEDED and has no live workload/);
    expect(await f.jobExists("done")).toBe(true);
    expect(await f.secretExists("done-creds")).toBe(true);
    expect((await f.store.get({ namespace: ns.name, id: "done" }))?.cleanupPending).toBe(true);
  });

  it("lists stale resources by default and deletes them only when asked; a Secret a live job uses is kept", async () => {
    await f.createJob("live", { run: true, secret: "shared-creds" });
    await f.createJob("finished");
    await f.waitRunning("live");
    await f.waitComplete("finished");
    await f.record("live", { state: "RUNNING" });
    await f.record("finished", { state: "SUCCEEDED", ttl: 10 });
    await f.createSecret("shared-creds", { "kinetic.dev/managed-by": "kinetic" });
    await f.createSecret("finished-creds", kineticLabels("finished"));
    await f.createSecret("not-ours", { app: "other" });

    f.clock.advance(3600_000);
    const cron = await runCleanup(f.deps(), { namespace: ns.name });
    expect(names(cron, "deleted")).toEqual(["finished"]);
    expect(names(cron, "would-delete")).toEqual(["finished-creds"]);
    expect(reasonOf(cron, "finished-creds")).toMatch(/use force to delete/);
    expect(reasonOf(cron, "shared-creds")).toMatch(/used by Job\/.*\/live/);
    expect(await f.secretExists("finished-creds")).toBe(true);
    await f.waitGone("finished");

    const clean = await runCleanup(f.deps(), { namespace: ns.name, deleteStale: true });
    expect(names(clean, "deleted")).toEqual(["finished-creds"]);
    expect(await f.secretExists("finished-creds")).toBe(false);
    expect(await f.secretExists("shared-creds")).toBe(true);
    expect(await f.secretExists("not-ours")).toBe(true);
    expect(clean.items.some((i) => i.name === "not-ours")).toBe(false);
    expect(await f.jobExists("live")).toBe(true);
  });
});

describe("safety under the cron", () => {
  it("two concurrent runs delete each object once, and both report it", async () => {
    const ids = ["c1", "c2", "c3", "c4", "c5"];
    for (const id of ids) await f.createJob(id);
    await f.waitComplete(...ids);
    for (const id of ids) await f.record(id, { state: "SUCCEEDED", ttl: 60 });
    f.clock.advance(120_000);

    // The run that wins the lease is held inside its first delete until the other run has answered.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const counted = instrumented(f.cluster, { gate });
    const pending = [
      runCleanup(f.deps(counted.client), { namespace: ns.name, runId: "tick-a" }),
      runCleanup(f.deps(counted.client), { namespace: ns.name, runId: "tick-b" }),
    ];
    const firstDone = await Promise.race(pending);
    expect(firstDone.status).toBe("skipped");
    open();
    const runs = await Promise.all(pending);
    const statuses = runs.map((r) => r.status).sort();
    expect(statuses).toEqual(["completed", "skipped"]);
    const skipped = runs.find((r) => r.status === "skipped")!;
    expect(skipped.message).toMatch(/holds the lease/);
    const deleted = runs.flatMap((r) => names(r, "deleted")).sort();
    expect(deleted).toEqual(ids);
    for (const id of ids) expect(counted.deletes.get(`Job/${ns.name}/${id}`)).toBe(1);
    // Both runs are on record, each with what it did.
    const records = await f.db.collection(RUNS).get();
    expect(records.docs.map((d) => d.data().status as string).sort()).toEqual(["completed", "skipped"]);
  });

  it("a retried delivery of the same tick does nothing again and reports the original run", async () => {
    await f.createJob("once");
    await f.waitComplete("once");
    await f.record("once", { state: "SUCCEEDED", ttl: 1 });
    f.clock.advance(60_000);
    const counted = instrumented(f.cluster);
    const first = await runCleanup(f.deps(counted.client), {
      namespace: ns.name,
      runId: "tick-2026-01-01T00:15:00.000Z",
    });
    const again = await runCleanup(f.deps(counted.client), {
      namespace: ns.name,
      runId: "tick-2026-01-01T00:15:00.000Z",
    });
    expect(first.status).toBe("completed");
    expect(again.status).toBe("duplicate");
    expect(again.counts).toEqual(first.counts);
    expect(counted.calls()).toBe(1);
  });

  it("a run that dies halfway is completed by the next one", async () => {
    const ids = ["d1", "d2", "d3", "d4", "d5"];
    for (const id of ids) await f.createJob(id);
    await f.waitComplete(...ids);
    for (const id of ids) await f.record(id, { state: "SUCCEEDED", ttl: 60 });
    f.clock.advance(120_000);

    // The first run deletes two workloads, then its instance "dies": it never returns and keeps its lease.
    const dying = instrumented(f.cluster, { dieAfter: 2 });
    void runCleanup(f.deps(dying.client), { namespace: ns.name, runId: "tick-dies", leaseMs: 60_000 });
    const doneFirst = await waitForCount(() => [...dying.deletes.keys()], 2);
    for (const key of doneFirst) await f.waitGone(key.split("/")[2]!);
    await waitForCount(
      async () =>
        (await Promise.all(ids.map((id) => f.store.get({ namespace: ns.name, id })))).filter(
          (j) => j?.cleanupPending === false,
        ),
      2,
    );

    // While its lease is live, the next tick is skipped.
    const early = await runCleanup(f.deps(), { namespace: ns.name, runId: "tick-early" });
    expect(early.status).toBe("skipped");

    // After the lease expires, the next run takes over and finishes exactly the rest.
    f.clock.advance(61_000);
    const counted = instrumented(f.cluster);
    const next = await runCleanup(f.deps(counted.client), { namespace: ns.name, runId: "tick-next" });
    expect(next.status).toBe("completed");
    const firstNames = doneFirst.map((k) => k.split("/")[2]!).sort();
    const rest = ids.filter((id) => !firstNames.includes(id));
    expect(names(next, "deleted")).toEqual(rest);
    for (const id of rest) await f.waitGone(id);
    for (const id of firstNames) expect(counted.deletes.has(`Job/${ns.name}/${id}`)).toBe(false);
    const dead = (await f.db.collection(RUNS).doc("tick-dies").get()).data();
    expect(dead).toMatchObject({ status: "interrupted" });
    expect(String(dead?.message)).toMatch(/tick-next took over/);
  });
});

async function waitForCount<T>(get: () => T[] | Promise<T[]>, n: number): Promise<T[]> {
  for (let i = 0; i < 400; i++) {
    const items = await get();
    if (items.length >= n) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${n} items`);
}
