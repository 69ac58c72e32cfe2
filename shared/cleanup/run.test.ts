/**
 * runCleanup on the in-memory stores and the fake cluster: what an operator
 * sees after a run (its summary, the cluster's objects, the job records and
 * the run's own record) for the lease and run-id rules, the due-record pass,
 * the cluster pass, stale resources, record retention, dry runs and faults.
 * The emulator/testbed suites (test/integration/cleanup*.test.ts) check the
 * same behaviour against Firestore and a real cluster; these run in a second.
 */
import { describe, expect, it } from "vitest";
import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../cluster/labels.ts";
import type { ClusterClient, WorkloadRef } from "../cluster/types.ts";
import { KineticError } from "../errors.ts";
import { JOBS, jobKey, type JobDoc, type JobStore } from "../store/job-store.ts";
import { LEASES } from "../store/lease-store.ts";
import { CLEANUP_RUNS } from "../store/run-store.ts";
import { memoryCleanupDeps, memoryDeps, type MemoryDeps } from "../testing.ts";
import { refKey } from "./references.ts";
import { LEASE_NAME, runCleanup, tickRunId } from "./run.ts";
import { MAX_ITEMS, emptyCounts, type CleanupDeps, type CleanupOptions, type CleanupSummary } from "./types.ts";

const NS = "ns";
const SECOND = 1000;
const MIN = 60 * SECOND;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** memoryDeps' clock starts here; every job below finishes at T0 unless the clock was moved first. */
const T0 = Date.parse("2026-03-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function setup(config: { defaultTtlSeconds?: number } = {}): MemoryDeps {
  return memoryDeps({ config: { defaultTtlSeconds: 3600, retentionDays: 30, ...config } });
}

function cleanupDeps(deps: MemoryDeps, over: Partial<CleanupDeps> = {}): CleanupDeps {
  return { ...memoryCleanupDeps(deps), ...over };
}

function run(deps: MemoryDeps, options: CleanupOptions = {}): Promise<CleanupSummary> {
  return runCleanup(cleanupDeps(deps), options);
}

interface JobOptions {
  namespace?: string;
  kind?: WorkloadRef["kind"];
  state?: "SUCCEEDED" | "FAILED" | "RUNNING";
  ttl?: number;
  forceCleanup?: boolean;
  /** false: syncJobs has not flagged the finished job for cleanup (no cleanupPending/cleanupDueAt). */
  flag?: boolean;
  /** The TTL cleanupDueAt was computed with, when it differs from the one that applies now. */
  dueTtl?: number;
  /** false: the record's workload is not in the cluster. */
  inCluster?: boolean;
  /** true: the finished event is not published yet, so the record is still active. */
  active?: boolean;
}

/** A job record the way submit + syncJobs leave it, and (unless inCluster: false) its workload in the cluster. */
async function job(deps: MemoryDeps, id: string, o: JobOptions = {}): Promise<JobDoc> {
  const namespace = o.namespace ?? NS;
  const kind = o.kind ?? "Job";
  const spec = {
    namespace,
    ...(o.ttl !== undefined ? { ttlSecondsAfterFinished: o.ttl } : {}),
    ...(o.forceCleanup ? { forceCleanup: true } : {}),
  };
  await deps.store.create({ id, namespace, accelerator: "cpu", spec });
  await deps.store.transition(
    { namespace, id },
    {
      to: "SUBMITTED",
      reason: "Created",
      patch: { workload: { kind, name: id, namespace } },
    },
  );
  await deps.store.transition({ namespace, id }, { to: "RUNNING", reason: "Running" });
  if (o.state === "RUNNING") {
    if (o.inCluster !== false) workload(deps, id, { kind, namespace });
    return (await deps.store.get({ namespace, id }))!;
  }
  const { job: done } = await deps.store.transition(
    { namespace, id },
    { to: o.state ?? "SUCCEEDED", reason: "Completed" },
  );
  const finishedAt = done.finishedAt!;
  // As syncJobs' finish(): forceCleanup is due at once, else the job's TTL or the operator default.
  const ttl = o.dueTtl ?? (o.forceCleanup ? 0 : (o.ttl ?? deps.config.defaultTtlSeconds));
  await deps.store.patch(
    { namespace, id },
    {
      active: o.active === true,
      finishedEventPublished: o.active !== true,
      ...(o.flag === false ? {} : { cleanupPending: true, cleanupDueAt: iso(Date.parse(finishedAt) + ttl * SECOND) }),
    },
  );
  if (o.inCluster !== false) workload(deps, id, { kind, namespace, finishedAt });
  return (await deps.store.get({ namespace, id }))!;
}

/** A Kinetic-labelled Job/JobSet in the cluster: running unless it has a finish time. */
function workload(
  deps: MemoryDeps,
  name: string,
  o: { kind?: string; namespace?: string; finishedAt?: string; jobId?: string; labels?: Record<string, string> } = {},
): void {
  deps.cluster.addWorkload(name, { ...o, namespace: o.namespace ?? NS, createdAt: iso(T0 - DAY) });
}

/** Any other Kinetic-labelled object (Secret, ConfigMap, Pod...), a day old unless said otherwise. */
function resource(deps: MemoryDeps, kind: string, name: string, jobId?: string, createdAt = iso(T0 - DAY)): void {
  deps.cluster.add({
    kind,
    apiVersion: "v1",
    name,
    namespace: NS,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, ...(jobId ? { [JOB_ID_LABEL]: jobId } : {}) },
    createdAt,
  });
}

/** "action Kind/name" for every item, sorted: what the operator reads in the summary. */
const actions = (s: CleanupSummary) => s.items.map((i) => `${i.action} ${i.kind}/${i.name}`).sort();
const itemFor = (s: CleanupSummary, name: string) => s.items.find((i) => i.name === name);
const inCluster = (deps: MemoryDeps) => [...deps.cluster.objects.keys()].sort();
const has = (deps: MemoryDeps, kind: string, name: string, namespace = NS) =>
  deps.cluster.objects.has(`${kind}/${namespace}/${name}`);

async function pending(deps: MemoryDeps, ids: string[]): Promise<string[]> {
  const jobs = await deps.store.getMany(ids.map((id) => ({ namespace: NS, id })));
  return ids.filter((id) => jobs.get(jobKey({ namespace: NS, id }))?.cleanupPending === true);
}

/** Every stored document of a collection with its version: equal snapshots = nothing written. */
async function snapshot(deps: MemoryDeps, collection: string): Promise<string[]> {
  return (await deps.docs.query(collection, { limit: 10_000 })).map((s) => `${s.id}@${s.version}`).sort();
}

/**
 * The fake cluster seen through hooks: before each workload delete / list
 * (numbered from 1), and a log of what was actually deleted.
 */
function spyCluster(
  inner: ClusterClient,
  hooks: {
    beforeDelete?: (ref: WorkloadRef, call: number) => Promise<void> | void;
    beforeList?: (call: number) => Promise<void> | void;
  } = {},
) {
  const deleted: string[] = [];
  let deletes = 0;
  let lists = 0;
  const client: ClusterClient = {
    submit: (w) => inner.submit(w),
    dryRun: (w) => inner.dryRun(w),
    status: (r) => inner.status(r),
    logs: (r, o) => inner.logs(r, o),
    listManaged: async (namespace, kinds, selector) => {
      await hooks.beforeList?.(++lists);
      return inner.listManaged(namespace, kinds, selector);
    },
    delete: async (ref) => {
      await hooks.beforeDelete?.(ref, ++deletes);
      const out = await inner.delete(ref);
      if (out.deleted) deleted.push(`${ref.kind}/${ref.namespace}/${ref.name}`);
      return out;
    },
    deleteObject: async (o) => {
      const out = await inner.deleteObject(o);
      if (out.deleted) deleted.push(`${o.kind}/${o.namespace}/${o.name}`);
      return out;
    },
  };
  return { client, deleted };
}

/** Lets other promises run until `cond` holds (no timers: every fake operation yields with setImmediate). */
async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await cond()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

describe("runCleanup: one run at a time", () => {
  it("skips while another run holds the lease, naming it and recording the skip; a second delivery of the acting tick leaves that tick's record alone", async () => {
    const deps = setup();
    await job(deps, "old", { ttl: 60 });
    deps.clock.advance(2 * MIN);
    // The acting run is held inside its first delete until the others have answered.
    let reached!: () => void;
    const atDelete = new Promise<void>((resolve) => (reached = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = spyCluster(deps.cluster, {
      beforeDelete: async () => {
        reached();
        await gate;
      },
    });
    const acting = runCleanup(cleanupDeps(deps, { cluster: held.client }), { namespace: NS, runId: "tick-a" });
    await atDelete;

    const other = await run(deps, { namespace: NS, runId: "tick-b" });
    expect(other).toMatchObject({
      runId: "tick-b",
      status: "skipped",
      message: `another cleanup run (tick-a) holds the lease until ${iso(T0 + 2 * MIN + 10 * MIN)}`,
      counts: emptyCounts(),
      items: [],
    });
    expect(await deps.cleanupRuns.get("tick-b")).toMatchObject({ status: "skipped", message: other.message });
    expect(deps.logs).toContainEqual(
      expect.objectContaining({
        message: "cleanup run skipped: another run is active",
        cleanupRunId: "tick-b",
        holder: "tick-a",
      }),
    );

    const redelivered = await run(deps, { namespace: NS, runId: "tick-a" });
    expect(redelivered.status).toBe("skipped");
    expect(await deps.cleanupRuns.get("tick-a")).toMatchObject({ status: "running" });
    expect(has(deps, "Job", "old")).toBe(true);

    open();
    const done = await acting;
    expect(done.status).toBe("completed");
    expect(actions(done)).toEqual(["deleted Job/old"]);
    expect(held.deleted).toEqual(["Job/ns/old"]);
    expect(await deps.cleanupRuns.get("tick-a")).toMatchObject({ status: "completed", counts: { deleted: 1 } });
    expect(await deps.cleanupRuns.get("tick-b")).toMatchObject({ status: "skipped" });
    expect(await deps.docs.get(LEASES, LEASE_NAME)).toBeUndefined();
  });

  it("a retried tick whose run completed is a duplicate: it reports that run and deletes nothing again", async () => {
    const deps = setup();
    await job(deps, "once", { ttl: 60 });
    deps.clock.advance(2 * MIN);
    const first = await run(deps, { namespace: NS, runId: "tick-1" });
    expect(first.status).toBe("completed");
    expect(actions(first)).toEqual(["deleted Job/once"]);

    // Something became deletable after the first delivery: the retry must still not act.
    workload(deps, "late", { finishedAt: iso(T0 - 2 * DAY) });
    const deletes = deps.cluster.deletes;
    const again = await run(deps, { namespace: NS, runId: "tick-1" });
    expect(again).toMatchObject({
      runId: "tick-1",
      status: "duplicate",
      startedAt: first.startedAt,
      counts: first.counts,
      items: first.items,
    });
    expect(again.message).toBe(`run tick-1 already completed at ${first.finishedAt}; nothing done again`);
    expect(deps.cluster.deletes).toBe(deletes);
    expect(has(deps, "Job", "late")).toBe(true);
    expect(await deps.cleanupRuns.get("tick-1")).toMatchObject({ status: "completed" });

    // The next tick does delete it (and so the duplicate also freed the lease).
    const next = await run(deps, { namespace: NS, runId: "tick-2" });
    expect(actions(next)).toEqual(["deleted Job/late"]);
  });

  it("a run that takes over an expired lease marks the dead run interrupted and finishes exactly the rest", async () => {
    const deps = setup();
    const ids = ["d1", "d2", "d3", "d4", "d5"];
    for (const id of ids) await job(deps, id, { ttl: 60 });
    deps.clock.advance(2 * MIN);

    // The first run deletes two workloads, then its instance "dies": it never returns and keeps its lease.
    const dying = spyCluster(deps.cluster, {
      beforeDelete: (_ref, call) => (call > 2 ? new Promise<void>(() => {}) : undefined),
    });
    void runCleanup(cleanupDeps(deps, { cluster: dying.client }), {
      namespace: NS,
      runId: "tick-dies",
      leaseMs: MIN,
    });
    await until(async () => (await pending(deps, ids)).length === 3, "the dying run settles two records");
    const rest = await pending(deps, ids);
    const doneFirst = ids.filter((id) => !rest.includes(id));
    expect(await deps.cleanupRuns.get("tick-dies")).toMatchObject({ status: "running" });

    // While its lease is live, the next tick is skipped.
    const early = await run(deps, { namespace: NS, runId: "tick-early" });
    expect(early.status).toBe("skipped");
    expect(early.message).toContain("(tick-dies)");

    deps.clock.advance(MIN + SECOND);
    const next = await run(deps, { namespace: NS, runId: "tick-next" });
    expect(next.status).toBe("completed");
    expect(actions(next)).toEqual(rest.map((id) => `deleted Job/${id}`));
    for (const id of doneFirst) expect(itemFor(next, id)).toBeUndefined();
    expect(inCluster(deps)).toEqual([]);
    expect(await pending(deps, ids)).toEqual([]);
    expect(await deps.cleanupRuns.get("tick-dies")).toMatchObject({
      status: "interrupted",
      message: "stopped without finishing; run tick-next took over and completes its work",
    });
  });

  it("a redelivery of a tick that died resumes under the same run id and completes its own record", async () => {
    const deps = setup();
    const ids = ["r1", "r2", "r3"];
    for (const id of ids) await job(deps, id, { ttl: 60 });
    deps.clock.advance(2 * MIN);
    const dying = spyCluster(deps.cluster, {
      beforeDelete: (_ref, call) => (call > 1 ? new Promise<void>(() => {}) : undefined),
    });
    void runCleanup(cleanupDeps(deps, { cluster: dying.client }), { namespace: NS, runId: "tick-r", leaseMs: MIN });
    await until(async () => (await pending(deps, ids)).length === 2, "the dying run settles one record");
    const rest = await pending(deps, ids);

    deps.clock.advance(MIN + SECOND);
    let whileRunning: CleanupSummary | undefined;
    const spy = spyCluster(deps.cluster, {
      beforeList: async (call) => {
        if (call === 1) whileRunning = await deps.cleanupRuns.get("tick-r");
      },
    });
    const resumed = await runCleanup(cleanupDeps(deps, { cluster: spy.client }), { namespace: NS, runId: "tick-r" });
    expect(whileRunning).toMatchObject({
      status: "running",
      message: "resumed after run tick-r stopped without finishing",
    });
    expect(resumed.status).toBe("completed");
    expect(actions(resumed)).toEqual(rest.map((id) => `deleted Job/${id}`));
    expect(await deps.cleanupRuns.get("tick-r")).toMatchObject({ status: "completed", counts: { deleted: 2 } });
  });

  it("a run that loses its lease between pages stops as interrupted, frees nothing it no longer holds, and leaves the rest to the next run", async () => {
    const deps = setup();
    const ids = ["l1", "l2", "l3", "l4", "l5"];
    for (const id of ids) await job(deps, id, { ttl: 60 });
    deps.clock.advance(2 * MIN);

    // During the first page the run stalls past its lease, and another run takes the lease over.
    let takeover: Awaited<ReturnType<MemoryDeps["leases"]["acquire"]>> | undefined;
    const spy = spyCluster(deps.cluster, {
      beforeDelete: async (_ref, call) => {
        if (call !== 1) return;
        deps.clock.advance(MIN + SECOND);
        takeover = await deps.leases.acquire(LEASE_NAME, "tick-other", { ttlMs: MIN });
      },
    });
    const lost = await runCleanup(cleanupDeps(deps, { cluster: spy.client }), {
      namespace: NS,
      runId: "tick-slow",
      pageSize: 2,
      leaseMs: MIN,
    });
    expect(takeover).toMatchObject({ acquired: true, tookOverFrom: "tick-slow" });
    expect(lost.status).toBe("interrupted");
    expect(lost.message).toBe(
      "run tick-slow lost its lease to another run; it stopped and leaves the rest to the next run",
    );
    expect(actions(lost)).toEqual(["deleted Job/l1", "deleted Job/l2"]);
    expect(await deps.cleanupRuns.get("tick-slow")).toMatchObject({
      status: "interrupted",
      message: lost.message,
      counts: { deleted: 2 },
    });
    expect(await pending(deps, ids)).toEqual(["l3", "l4", "l5"]);
    expect(inCluster(deps)).toEqual(["Job/ns/l3", "Job/ns/l4", "Job/ns/l5"]);

    // The lease is still the other run's: the interrupted run did not release it.
    const meanwhile = await run(deps, { namespace: NS, runId: "tick-3" });
    expect(meanwhile.status).toBe("skipped");
    expect(meanwhile.message).toContain("(tick-other)");

    deps.clock.advance(MIN + SECOND);
    const next = await run(deps, { namespace: NS, runId: "tick-4" });
    expect(next.status).toBe("completed");
    expect(actions(next)).toEqual(["deleted Job/l3", "deleted Job/l4", "deleted Job/l5"]);
    expect(await pending(deps, ids)).toEqual([]);
  });

  it("a run whose cluster listing fails is recorded as failed, frees its lease, and the next run works", async () => {
    const deps = setup();
    workload(deps, "stray", { finishedAt: iso(T0 - 2 * DAY) });
    const spy = spyCluster(deps.cluster, {
      beforeList: (call) => {
        if (call === 1) throw new KineticError("cluster-unavailable", "the API server is not answering");
      },
    });
    const failed = await runCleanup(cleanupDeps(deps, { cluster: spy.client }), { namespace: NS, runId: "tick-f" });
    expect(failed).toMatchObject({ status: "failed", message: "the API server is not answering" });
    expect(await deps.cleanupRuns.get("tick-f")).toMatchObject({ status: "failed" });
    expect(has(deps, "Job", "stray")).toBe(true);
    expect(deps.logs).toContainEqual(
      expect.objectContaining({
        severity: "WARNING",
        message: "cleanup run failed",
        cleanupRunId: "tick-f",
        detail: "the API server is not answering",
      }),
    );

    const next = await run(deps, { namespace: NS, runId: "tick-g" });
    expect(next.status).toBe("completed");
    expect(actions(next)).toEqual(["deleted Job/stray"]);
  });

  it("uses the schedule time as a tick's run id, and names the header when it is not a timestamp", () => {
    expect(tickRunId("2026-11-26T08:15:00Z")).toBe("tick-2026-11-26T08:15:00.000Z");
    expect(() => tickRunId("yesterday")).toThrow(
      expect.objectContaining({
        code: "invalid-argument",
        issues: [expect.objectContaining({ field: "X-CloudScheduler-ScheduleTime" })],
      }),
    );
  });
});

describe("runCleanup: due records", () => {
  it("deletes a workload past its TTL and clears cleanupPending; one within its TTL is kept", async () => {
    const deps = setup();
    const short = await job(deps, "short", { ttl: 60 });
    await job(deps, "long", { ttl: 3 * 3600 });
    deps.clock.advance(2 * MIN);

    const s = await run(deps, { namespace: NS });
    expect(s.status).toBe("completed");
    expect(actions(s)).toEqual(["deleted Job/short", "kept Job/long"]);
    expect(itemFor(s, "short")).toEqual({
      action: "deleted",
      kind: "Job",
      namespace: NS,
      name: "short",
      jobId: "short",
      reason: `finished (SUCCEEDED at ${short.finishedAt}) more than its TTL (60 s) ago; its pods go with it`,
    });
    expect(itemFor(s, "long")?.reason).toBe(`within its TTL (10800 s) until ${iso(T0 + 3 * HOUR)}`);
    expect(inCluster(deps)).toEqual(["Job/ns/long"]);
    const record = (await deps.store.get({ namespace: NS, id: "short" }))!;
    expect(record).toMatchObject({ state: "SUCCEEDED", cleanupPending: false });
    expect(record.cleanupDueAt).toBeUndefined();
    expect(await pending(deps, ["long"])).toEqual(["long"]);
  });

  it("keeps a due workload whose TTL grew since its due date was computed, and moves the due date", async () => {
    // cleanupDueAt was computed when the default TTL was 60 s; the operator has raised it to 2 h.
    const deps = setup({ defaultTtlSeconds: 2 * 3600 });
    await job(deps, "grown", { dueTtl: 60 });
    deps.clock.advance(2 * MIN);

    const s = await run(deps, { namespace: NS });
    expect(s.items).toEqual([
      {
        action: "kept",
        kind: "Job",
        namespace: NS,
        name: "grown",
        jobId: "grown",
        reason: `within its TTL (7200 s) until ${iso(T0 + 2 * HOUR)}`,
      },
    ]);
    expect(has(deps, "Job", "grown")).toBe(true);
    expect(await deps.store.get({ namespace: NS, id: "grown" })).toMatchObject({
      cleanupPending: true,
      cleanupDueAt: iso(T0 + 2 * HOUR),
    });

    deps.clock.set(T0 + 2 * HOUR + SECOND);
    const later = await run(deps, { namespace: NS });
    expect(actions(later)).toEqual(["deleted Job/grown"]);
    expect(await pending(deps, ["grown"])).toEqual([]);
  });

  it("reports a workload that is already gone and clears the record", async () => {
    const deps = setup();
    await job(deps, "gone", { ttl: 60, inCluster: false });
    deps.clock.advance(2 * MIN);

    const s = await run(deps, { namespace: NS });
    expect(s.items).toEqual([
      {
        action: "already-gone",
        kind: "Job",
        namespace: NS,
        name: "gone",
        jobId: "gone",
        reason: "already deleted (native TTL or by hand)",
      },
    ]);
    expect(s.counts).toMatchObject({ alreadyGone: 1, deleted: 0 });
    expect(deps.cluster.deletes).toBe(0);
    expect(await pending(deps, ["gone"])).toEqual([]);
  });

  it("never deletes an object that has the job's name but not Kinetic's labels, even in a forced clean-all", async () => {
    const deps = setup();
    await job(deps, "taken", { ttl: 60, inCluster: false });
    deps.cluster.add({
      kind: "Job",
      apiVersion: "batch/v1",
      name: "taken",
      namespace: NS,
      labels: { app: "someone-else" },
      createdAt: iso(T0 - DAY),
      finishedAt: iso(T0 - DAY),
      phase: "Succeeded",
    });
    deps.clock.advance(2 * MIN);

    const s = await run(deps, { namespace: NS });
    expect(s.items).toEqual([
      {
        action: "kept",
        kind: "Job",
        namespace: NS,
        name: "taken",
        jobId: "taken",
        reason: "an object with this name exists but has no Kinetic labels; left alone",
      },
    ]);
    // The record no longer points at anything of ours: it is settled, not retried forever.
    expect(await pending(deps, ["taken"])).toEqual([]);

    const forced = await run(deps, { namespace: NS, includeActive: true, ignoreTtl: true, deleteStale: true });
    expect(forced.items).toEqual([]);
    expect(has(deps, "Job", "taken")).toBe(true);
    expect(deps.cluster.deletes).toBe(0);
  });

  it("a dry run lists what it would do and changes nothing in the cluster or the store", async () => {
    const deps = setup();
    await job(deps, "expired", { ttl: 60 });
    await job(deps, "grown", { ttl: 40 * 86_400, dueTtl: 60 });
    await job(deps, "gone", { ttl: 60, inCluster: false });
    await job(deps, "purgeable", { flag: false, inCluster: false });
    await job(deps, "busy", { state: "RUNNING" });
    workload(deps, "stray", { finishedAt: iso(T0 - 2 * DAY) });
    resource(deps, "Secret", "expired-creds", "expired");
    deps.clock.advance(31 * DAY);
    const jobsBefore = await snapshot(deps, JOBS);
    const clusterBefore = inCluster(deps);

    const dry = await run(deps, {
      namespace: NS,
      dryRun: true,
      includeActive: true,
      deleteStale: true,
      purgeRecords: true,
      runId: "dry",
    });
    expect(dry.status).toBe("completed");
    expect(actions(dry)).toEqual([
      "already-gone Job/gone",
      "kept Job/grown",
      "kept JobRecord/expired",
      "kept JobRecord/gone",
      "kept JobRecord/grown",
      "would-delete Job/busy",
      "would-delete Job/expired",
      "would-delete Job/stray",
      "would-delete Secret/expired-creds",
      "would-purge JobRecord/purgeable",
    ]);
    expect(itemFor(dry, "expired")?.reason).toMatch(/more than its TTL \(60 s\) ago \(dry run\)$/);
    expect(itemFor(dry, "busy")?.reason).toMatch(/^job was RUNNING; force deletes .* \(dry run\)$/);
    expect(dry.counts).toMatchObject({ deleted: 0, purged: 0, wouldDelete: 4, wouldPurge: 1 });

    expect(inCluster(deps)).toEqual(clusterBefore);
    expect(deps.cluster.deletes).toBe(0);
    expect(await snapshot(deps, JOBS)).toEqual(jobsBefore);
    expect(await deps.store.get({ namespace: NS, id: "busy" })).toMatchObject({ state: "RUNNING" });
    // Only the run's own record is written (and the lease, taken and freed).
    expect(await deps.cleanupRuns.get("dry")).toMatchObject({ status: "completed", dryRun: true, counts: dry.counts });
    expect(await deps.docs.get(LEASES, LEASE_NAME)).toBeUndefined();
  });
});

describe("runCleanup: workloads in the cluster", () => {
  it("deletes at once a running workload whose job was cancelled (a create that landed after the cancel)", async () => {
    const deps = setup();
    await deps.store.create({ id: "late", namespace: NS, accelerator: "cpu" });
    await deps.store.transition({ namespace: NS, id: "late" }, { to: "CANCELLED", reason: "CancelledByUser" });
    await deps.store.patch({ namespace: NS, id: "late" }, { active: false, finishedEventPublished: true });
    workload(deps, "late"); // running, and not the record's: the record never learnt of it

    const s = await run(deps, { namespace: NS });
    expect(s.items).toEqual([
      expect.objectContaining({
        action: "deleted",
        name: "late",
        reason: expect.stringMatching(/^its job was cancelled/),
      }),
    ]);
    expect(has(deps, "Job", "late")).toBe(false);
  });

  it("deletes at once a finished workload whose job was cancelled: it ran after the cancel and is not kept for the TTL", async () => {
    const deps = setup();
    await deps.store.create({ id: "ran-anyway", namespace: NS, accelerator: "cpu" });
    await deps.store.transition({ namespace: NS, id: "ran-anyway" }, { to: "CANCELLED", reason: "CancelledByUser" });
    await deps.store.patch({ namespace: NS, id: "ran-anyway" }, { active: false, finishedEventPublished: true });
    workload(deps, "ran-anyway", { finishedAt: iso(T0 - MIN) }); // finished a minute ago, well within any TTL

    const s = await run(deps, { namespace: NS });
    expect(s.items).toEqual([
      expect.objectContaining({
        action: "deleted",
        name: "ran-anyway",
        reason: expect.stringMatching(/^its job was cancelled/),
      }),
    ]);
    expect(has(deps, "Job", "ran-anyway")).toBe(false);
  });

  it("applies the TTL to finished workloads whose record never got a due date, and to those with no record", async () => {
    const deps = setup();
    const unflagged = await job(deps, "unflagged", { ttl: 60, flag: false });
    workload(deps, "stray-old", { finishedAt: iso(T0 - 2 * HOUR) });
    workload(deps, "stray-new", { finishedAt: iso(T0 - 30 * MIN) });
    deps.cluster.add({
      kind: "Job",
      apiVersion: "batch/v1",
      name: "unattributed",
      namespace: NS,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      finishedAt: iso(T0 - 2 * DAY),
      phase: "Succeeded",
    });
    deps.clock.advance(2 * MIN);

    const s = await run(deps, { namespace: NS });
    expect(actions(s)).toEqual([
      "deleted Job/stray-old",
      "deleted Job/unflagged",
      "kept Job/stray-new",
      "kept Job/unattributed",
    ]);
    expect(itemFor(s, "unflagged")?.reason).toBe(
      `finished (SUCCEEDED at ${unflagged.finishedAt}) more than its TTL (60 s) ago; its pods go with it`,
    );
    expect(itemFor(s, "stray-old")?.reason).toBe(
      `no Kinetic record; finished (Succeeded at ${iso(T0 - 2 * HOUR)}) more than its TTL (3600 s) ago; its pods go with it`,
    );
    expect(itemFor(s, "stray-new")?.reason).toBe(`within its TTL (3600 s) until ${iso(T0 + 30 * MIN)}`);
    expect(itemFor(s, "unattributed")?.reason).toBe("no kinetic.dev/job-id label: cannot tell which job it belongs to");
    expect(inCluster(deps)).toEqual(["Job/ns/stray-new", "Job/ns/unattributed"]);
  });

  it("keeps running and pending workloads, with or without a record, unless forced; ignoring the TTL does not change that", async () => {
    const deps = setup();
    await job(deps, "busy", { state: "RUNNING" });
    await job(deps, "lagging", { state: "RUNNING", inCluster: false });
    workload(deps, "lagging", { finishedAt: iso(T0 - DAY) }); // finished in the cluster; syncJobs has not caught up
    workload(deps, "wild"); // running, no record
    deps.clock.advance(30 * DAY);

    for (const options of [{ namespace: NS }, { namespace: NS, ignoreTtl: true }, {}]) {
      const s = await run(deps, options);
      expect(actions(s)).toEqual(["kept Job/busy", "kept Job/lagging", "kept Job/wild"]);
      expect(itemFor(s, "busy")?.reason).toBe("job is RUNNING; running and pending jobs are deleted only with force");
      expect(itemFor(s, "lagging")?.reason).toBe(
        "finished in the cluster, but syncJobs has not recorded it yet (job is RUNNING); running and pending jobs are deleted only with force",
      );
      expect(itemFor(s, "wild")?.reason).toBe("running, and no Kinetic record: deleted only with force");
    }
    expect(deps.cluster.deletes).toBe(0);
    expect((await deps.store.get({ namespace: NS, id: "busy" }))?.state).toBe("RUNNING");
  });

  it("refuses to delete running jobs without a namespace, naming the field, before it touches anything", async () => {
    const deps = setup();
    await job(deps, "busy", { state: "RUNNING" });
    const attempt = run(deps, { includeActive: true });
    await expect(attempt).rejects.toBeInstanceOf(KineticError);
    await expect(attempt).rejects.toMatchObject({
      code: "invalid-argument",
      message: expect.stringContaining("needs a namespace"),
      issues: [expect.objectContaining({ field: "namespace" })],
    });
    expect(await snapshot(deps, CLEANUP_RUNS)).toEqual([]);
    expect(await deps.docs.get(LEASES, LEASE_NAME)).toBeUndefined();
    expect(has(deps, "Job", "busy")).toBe(true);
    expect((await deps.store.get({ namespace: NS, id: "busy" }))?.state).toBe("RUNNING");
  });

  it("forced in a namespace, records each running job CANCELLED (DeletedByCleanup) before deleting its workload", async () => {
    const deps = setup();
    await job(deps, "busy", { state: "RUNNING" });
    await job(deps, "lagging", { state: "RUNNING", inCluster: false });
    workload(deps, "lagging", { finishedAt: iso(T0 - DAY) });
    workload(deps, "wild");
    await job(deps, "elsewhere", { state: "RUNNING", namespace: "other" });
    const stateAtDelete: Record<string, string | undefined> = {};
    const spy = spyCluster(deps.cluster, {
      beforeDelete: async (ref) => {
        stateAtDelete[ref.name] = (await deps.store.get({ namespace: NS, id: ref.name }))?.state ?? "NO_RECORD";
      },
    });

    const s = await runCleanup(cleanupDeps(deps, { cluster: spy.client }), {
      namespace: NS,
      includeActive: true,
      runId: "manual-force",
    });
    expect(s.status).toBe("completed");
    expect(actions(s)).toEqual(["deleted Job/busy", "deleted Job/lagging", "deleted Job/wild"]);
    expect(stateAtDelete).toEqual({ busy: "CANCELLED", lagging: "CANCELLED", wild: "NO_RECORD" });
    expect(itemFor(s, "busy")?.reason).toBe(
      "job was RUNNING; force deletes running and pending jobs (its record becomes CANCELLED); its pods go with it",
    );
    expect(itemFor(s, "wild")?.reason).toBe(
      "running with no Kinetic record; force deletes running jobs; its pods go with it",
    );
    const busy = (await deps.store.get({ namespace: NS, id: "busy" }))!;
    expect(busy).toMatchObject({
      state: "CANCELLED",
      reason: "DeletedByCleanup",
      message: "deleted by forced cleanup run manual-force",
    });
    expect(busy.events.at(-1)).toMatchObject({ state: "CANCELLED", reason: "DeletedByCleanup" });
    // Another namespace is out of scope.
    expect(inCluster(deps)).toEqual(["Job/other/elsewhere"]);
    expect((await deps.store.get({ namespace: "other", id: "elsewhere" }))?.state).toBe("RUNNING");
  });

  it("deletes an expired JobSet, never one of its child Jobs on its own", async () => {
    const deps = setup();
    await job(deps, "set-done", { kind: "JobSet", ttl: 60 });
    const child = (set: string, i: number, finishedAt: string) =>
      workload(deps, `${set}-worker-${i}`, {
        jobId: set,
        finishedAt,
        labels: { "jobset.sigs.k8s.io/jobset-name": set },
      });
    child("set-done", 0, iso(T0));
    child("set-done", 1, iso(T0));
    // A running JobSet with no record: one of its child Jobs finished long ago, which alone would look expired.
    workload(deps, "set-live", { kind: "JobSet" });
    child("set-live", 0, iso(T0 - 2 * DAY));
    deps.clock.advance(2 * MIN);
    const spy = spyCluster(deps.cluster);

    const s = await runCleanup(cleanupDeps(deps, { cluster: spy.client }), { namespace: NS });
    expect(actions(s)).toEqual(["deleted JobSet/set-done", "kept JobSet/set-live"]);
    expect(spy.deleted).toEqual(["JobSet/ns/set-done"]);
    // The fake has no garbage collector: the set's children stay; in a cluster the JobSet controller removes them.
    expect(inCluster(deps)).toEqual([
      "Job/ns/set-done-worker-0",
      "Job/ns/set-done-worker-1",
      "Job/ns/set-live-worker-0",
      "JobSet/ns/set-live",
    ]);
  });

  it("deletes forceCleanup jobs as soon as they finish, whatever their TTL", async () => {
    const deps = setup();
    const forced = await job(deps, "forced", { forceCleanup: true, ttl: 86_400 });
    // Finished, but syncJobs has not flagged it yet: the cluster pass catches it.
    await job(deps, "forced-unflagged", { forceCleanup: true, ttl: 86_400, flag: false });
    await job(deps, "plain", { ttl: 86_400 });
    deps.clock.advance(SECOND);

    const s = await run(deps, { namespace: NS });
    expect(actions(s)).toEqual(["deleted Job/forced", "deleted Job/forced-unflagged", "kept Job/plain"]);
    expect(itemFor(s, "forced")?.reason).toBe(
      `finished (SUCCEEDED at ${forced.finishedAt}) with forceCleanup: deleted on completion; its pods go with it`,
    );
    expect(itemFor(s, "forced-unflagged")?.reason).toMatch(/with forceCleanup: deleted on completion/);
    expect(inCluster(deps)).toEqual(["Job/ns/plain"]);
    expect(await pending(deps, ["forced", "plain"])).toEqual(["plain"]);
  });

  it("ignoring the TTL deletes finished workloads now and clears their pending cleanup", async () => {
    const deps = setup();
    const young = await job(deps, "young", { ttl: 86_400 });
    await job(deps, "busy", { state: "RUNNING" });
    deps.clock.advance(MIN);

    const s = await run(deps, { namespace: NS, ignoreTtl: true });
    expect(actions(s)).toEqual(["deleted Job/young", "kept Job/busy"]);
    expect(itemFor(s, "young")?.reason).toBe(
      `finished (SUCCEEDED at ${young.finishedAt}); TTL ignored on request; its pods go with it`,
    );
    expect(await pending(deps, ["young"])).toEqual([]);
    expect(inCluster(deps)).toEqual(["Job/ns/busy"]);
  });
});

describe("runCleanup: stale resources", () => {
  it("lists stale resources with the reason, deletes them only when asked, and keeps what may still be in use", async () => {
    const deps = setup();
    await job(deps, "done", { ttl: 60 });
    await job(deps, "busy", { state: "RUNNING" });
    await deps.store.create({ id: "queued", namespace: NS, accelerator: "cpu" });
    resource(deps, "Secret", "done-creds", "done");
    resource(deps, "Pod", "done-0", "done");
    resource(deps, "Secret", "busy-creds", "busy");
    resource(deps, "Pod", "busy-0", "busy");
    resource(deps, "Secret", "queued-creds", "queued");
    resource(deps, "Pod", "ghost-0", "ghost");
    resource(deps, "ConfigMap", "ghost-config", "ghost", iso(T0 + MIN));
    resource(deps, "Secret", "shared");
    deps.clock.advance(2 * MIN);

    const cron = await run(deps, { namespace: NS });
    expect(actions(cron)).toEqual([
      "deleted Job/done",
      "kept ConfigMap/ghost-config",
      "kept Job/busy",
      "kept Secret/busy-creds",
      "kept Secret/queued-creds",
      "kept Secret/shared",
      "would-delete Pod/ghost-0",
      "would-delete Secret/done-creds",
    ]);
    const reasons = Object.fromEntries(cron.items.map((i) => [`${i.kind}/${i.name}`, i.reason]));
    expect(reasons).toMatchObject({
      "Secret/done-creds":
        "belongs to job done, which is SUCCEEDED and has no live workload (dry run; use force to delete)",
      "Pod/ghost-0": "orphaned pod: job ghost has no Job or JobSet in the cluster (dry run; use force to delete)",
      "Secret/busy-creds": "belongs to job busy, whose workload is still live",
      "Secret/queued-creds": "belongs to job queued, which is QUEUED",
      "ConfigMap/ghost-config": "created less than 10 min ago; may belong to a submission in progress",
      "Secret/shared": "no kinetic.dev/job-id label, and which workloads use it cannot be read here",
    });
    expect(has(deps, "Secret", "done-creds")).toBe(true);
    expect(has(deps, "Pod", "ghost-0")).toBe(true);

    const clean = await run(deps, { namespace: NS, deleteStale: true });
    // done-0 is orphaned now that its Job is gone (a cluster's garbage collector would have removed it already).
    expect(actions(clean).filter((a) => a.startsWith("deleted"))).toEqual([
      "deleted Pod/done-0",
      "deleted Pod/ghost-0",
      "deleted Secret/done-creds",
    ]);
    expect(inCluster(deps)).toEqual([
      "ConfigMap/ns/ghost-config",
      "Job/ns/busy",
      "Pod/ns/busy-0",
      "Secret/ns/busy-creds",
      "Secret/ns/queued-creds",
      "Secret/ns/shared",
    ]);
  });

  it("with a reference reader, keeps what a live workload mounts and lists unlabelled leftovers as stale", async () => {
    const deps = setup();
    await job(deps, "busy", { state: "RUNNING" });
    resource(deps, "Secret", "shared");
    resource(deps, "ConfigMap", "leftover");
    const references = { read: () => Promise.resolve(new Map([[refKey("Secret", NS, "shared"), ["Job/ns/busy"]]])) };

    const s = await runCleanup(cleanupDeps(deps, { references }), { namespace: NS, deleteStale: true });
    expect(actions(s)).toEqual(["deleted ConfigMap/leftover", "kept Job/busy", "kept Secret/shared"]);
    expect(itemFor(s, "shared")?.reason).toBe("used by Job/ns/busy");
    expect(itemFor(s, "leftover")?.reason).toBe("not used by any live Kinetic workload");
    expect(has(deps, "Secret", "shared")).toBe(true);
    expect(has(deps, "ConfigMap", "leftover")).toBe(false);
  });
});

describe("runCleanup: record retention", () => {
  it("purges finished records past retention page by page, keeps unfinished ones, and a dry run purges nothing", async () => {
    const deps = setup();
    for (let i = 0; i < 5; i++) await job(deps, `old-${i}`, { flag: false, inCluster: false });
    await job(deps, "old-active", { flag: false, inCluster: false, active: true });
    await job(deps, "old-pending", { dueTtl: 100 * 365 * 86_400, inCluster: false });
    const oldRun = await run(deps, { namespace: "other", runId: "tick-old" });
    await deps.cleanupRuns.put({ ...oldRun, runId: "tick-stuck", status: "running" });
    deps.clock.advance(20 * DAY);
    await job(deps, "recent", { flag: false, inCluster: false });
    await deps.store.create({ id: "queued", namespace: NS, accelerator: "cpu" });
    deps.clock.advance(11 * DAY);
    const records = (s: CleanupSummary) => actions(s).filter((a) => /Record\//.test(a));

    const dry = await run(deps, { dryRun: true, pageSize: 2, runId: "dry" });
    expect(dry.status).toBe("completed");
    expect(records(dry)).toEqual([
      "kept JobRecord/old-active",
      "kept JobRecord/old-pending",
      "would-purge CleanupRunRecord/tick-old",
      "would-purge CleanupRunRecord/tick-stuck",
      "would-purge JobRecord/old-0",
      "would-purge JobRecord/old-1",
      "would-purge JobRecord/old-2",
      "would-purge JobRecord/old-3",
      "would-purge JobRecord/old-4",
    ]);
    expect(dry.counts).toMatchObject({ wouldPurge: 7, purged: 0 });
    expect(await snapshot(deps, JOBS)).toHaveLength(9);

    const real = await run(deps, { pageSize: 2, runId: "real" });
    expect(real.status).toBe("completed");
    expect(records(real)).toEqual([
      "kept JobRecord/old-active",
      "kept JobRecord/old-pending",
      "purged CleanupRunRecord/tick-old",
      "purged CleanupRunRecord/tick-stuck",
      "purged JobRecord/old-0",
      "purged JobRecord/old-1",
      "purged JobRecord/old-2",
      "purged JobRecord/old-3",
      "purged JobRecord/old-4",
    ]);
    expect(itemFor(real, "old-pending")?.reason).toBe("past retention, but its cleanup is not finished yet");
    expect(real.counts).toMatchObject({ purged: 7, errors: 0 });
    expect(real.cost.deletes - dry.cost.deletes).toBe(7);
    const ids = async (collection: string) =>
      (await deps.docs.query(collection, { limit: 100 })).map((s) => s.id).sort();
    expect(await ids(JOBS)).toEqual(["ns:old-active", "ns:old-pending", "ns:queued", "ns:recent"]);
    // "tick-stuck" died before its final write a month ago: "running" forever would keep it forever.
    expect(await ids(CLEANUP_RUNS)).toEqual(["dry", "real"]);
  });

  it("keeps a record that changed after it was read, and the next run purges it", async () => {
    const deps = setup();
    await job(deps, "old-a", { flag: false, inCluster: false });
    await job(deps, "old-b", { flag: false, inCluster: false });
    deps.clock.advance(31 * DAY);
    // Between the purge's read and its delete, something writes to old-b.
    let touched = false;
    const racing: JobStore = Object.create(deps.store) as JobStore;
    racing.listExpired = async (now, page) => {
      const expired = await deps.store.listExpired(now, page);
      if (!touched) {
        touched = true;
        await deps.store.patch({ namespace: NS, id: "old-b" }, { source: "touched meanwhile" });
      }
      return expired;
    };

    const s = await runCleanup(cleanupDeps(deps, { store: racing }), {});
    expect(actions(s)).toEqual(["kept JobRecord/old-b", "purged JobRecord/old-a"]);
    expect(itemFor(s, "old-b")?.reason).toBe("changed since it was read; left for the next run");
    expect(await deps.store.get({ namespace: NS, id: "old-b" })).toMatchObject({ source: "touched meanwhile" });
    expect(await deps.store.get({ namespace: NS, id: "old-a" })).toBeUndefined();

    const next = await run(deps, {});
    expect(actions(next)).toEqual(["purged JobRecord/old-b"]);
    expect(await deps.store.get({ namespace: NS, id: "old-b" })).toBeUndefined();
  });

  it("runs only in cluster-wide runs unless asked for", async () => {
    const deps = setup();
    await job(deps, "old", { flag: false, inCluster: false });
    deps.clock.advance(31 * DAY);

    const scoped = await run(deps, { namespace: NS });
    expect(scoped.options.purgeRecords).toBe(false);
    expect(scoped.items).toEqual([]);
    expect(await deps.store.get({ namespace: NS, id: "old" })).toBeDefined();

    const asked = await run(deps, { namespace: NS, purgeRecords: true });
    expect(actions(asked)).toEqual(["purged JobRecord/old"]);
  });
});

describe("runCleanup: the run record, its cost, and faults", () => {
  it("persists the summary as the run's record, with counts and the Firestore work it did", async () => {
    const deps = setup();
    await job(deps, "a", { ttl: 60 });
    await job(deps, "b", { ttl: 60, inCluster: false });
    await job(deps, "c", { state: "RUNNING" });
    workload(deps, "stray", { finishedAt: iso(T0 - 2 * DAY) });
    deps.clock.advance(2 * MIN);
    const before = { ...deps.docs.stats };

    const s = await run(deps, { namespace: NS, runId: "tick-rec", trigger: "schedule (tester)" });
    const after = deps.docs.stats;
    expect(s).toMatchObject({
      runId: "tick-rec",
      status: "completed",
      trigger: "schedule (tester)",
      dryRun: false,
      options: {
        namespace: NS,
        dryRun: false,
        deleteStale: false,
        includeActive: false,
        ignoreTtl: false,
        purgeRecords: false,
      },
      startedAt: iso(T0 + 2 * MIN),
      finishedAt: iso(T0 + 2 * MIN),
      counts: { ...emptyCounts(), deleted: 2, alreadyGone: 1, kept: 1 },
      itemsTruncated: 0,
    });
    expect(s.items).toHaveLength(4);
    // The reported cost is exactly what the store was asked for (lease, record, queries, reads and writes).
    expect(s.cost).toEqual({
      reads: after.reads - before.reads,
      writes: after.writes - before.writes,
      deletes: after.deletes - before.deletes,
    });
    expect(s.cost.reads).toBeGreaterThan(0);
    expect(await deps.cleanupRuns.get("tick-rec")).toEqual(s);
    expect(deps.logs).toContainEqual(
      expect.objectContaining({
        severity: "INFO",
        message: "cleanup run finished",
        cleanupRunId: "tick-rec",
        status: "completed",
        counts: s.counts,
        cost: s.cost,
      }),
    );
  });

  it("reports a failing delete as an error item, goes on with the rest, and the next run retries it", async () => {
    const deps = setup();
    await job(deps, "e1", { ttl: 60 });
    await job(deps, "e2", { ttl: 60 });
    workload(deps, "stray", { finishedAt: iso(T0 - 2 * DAY) });
    deps.clock.advance(2 * MIN);
    deps.cluster.failNext("delete", new KineticError("cluster-unavailable", "connection reset by peer"));

    const s = await run(deps, { namespace: NS, runId: "tick-err" });
    expect(s.status).toBe("completed");
    const errors = s.items.filter((i) => i.action === "error");
    expect(errors).toHaveLength(1);
    const failed = errors[0]!.name;
    expect(errors[0]).toEqual({
      action: "error",
      kind: "Job",
      namespace: NS,
      name: failed,
      jobId: failed,
      reason: "connection reset by peer",
    });
    expect(s.counts).toMatchObject({ errors: 1, deleted: 2 });
    expect(await deps.cleanupRuns.get("tick-err")).toMatchObject({ counts: { errors: 1, deleted: 2 } });
    expect(inCluster(deps)).toEqual([`Job/ns/${failed}`]);
    expect(await pending(deps, ["e1", "e2"])).toEqual([failed]);
    expect(deps.logs).toContainEqual(
      expect.objectContaining({ message: "cleanup failed for job; the next run retries", jobId: failed }),
    );

    const retry = await run(deps, { namespace: NS });
    expect(actions(retry)).toEqual([`deleted Job/${failed}`]);
    expect(await pending(deps, ["e1", "e2"])).toEqual([]);
  });

  it("reports failures in the cluster pass and in status lookups as error items too", async () => {
    const deps = setup();
    await job(deps, "gone", { ttl: 60, inCluster: false });
    workload(deps, "stray", { finishedAt: iso(T0 - 2 * DAY) });
    deps.clock.advance(2 * MIN);
    deps.cluster.failNext("status", new KineticError("cluster-unavailable", "status timed out"));
    deps.cluster.failNext("delete", new KineticError("cluster-unavailable", "delete timed out"));

    const s = await run(deps, { namespace: NS });
    expect(s.status).toBe("completed");
    expect(s.items).toEqual(
      expect.arrayContaining([
        { action: "error", kind: "Job", namespace: NS, name: "gone", jobId: "gone", reason: "status timed out" },
        { action: "error", kind: "Job", namespace: NS, name: "stray", reason: "delete timed out" },
      ]),
    );
    expect(s.counts.errors).toBe(2);
    expect(await pending(deps, ["gone"])).toEqual(["gone"]);
    expect(has(deps, "Job", "stray")).toBe(true);
  });

  it("caps the listed items so the record stays small, and counts the rest", async () => {
    const deps = setup();
    const n = MAX_ITEMS + 5;
    for (let i = 0; i < n; i++) workload(deps, `w-${String(i).padStart(3, "0")}`);

    const s = await run(deps, { namespace: NS, runId: "tick-many" });
    expect(s.counts.kept).toBe(n);
    expect(s.items).toHaveLength(MAX_ITEMS);
    expect(s.itemsTruncated).toBe(5);
    expect(await deps.cleanupRuns.get("tick-many")).toMatchObject({ itemsTruncated: 5, counts: { kept: n } });
    const logged = deps.logs.find((l) => l.message === "cleanup run finished" && l.cleanupRunId === "tick-many");
    expect(logged).toMatchObject({ itemsNotLogged: n - 100 });
    expect(logged?.items).toHaveLength(100);
  });
});
