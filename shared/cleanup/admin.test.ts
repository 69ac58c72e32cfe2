/**
 * Kaptain's utilities on the in-memory stores and the fake cluster: diagnose
 * (what cleanup would do, without doing it), listWorkloads, deleteJob, and
 * the bulk utilities as cleanup-run options (ADMIN_RUNS).
 */
import { describe, expect, it } from "vitest";
import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../cluster/labels.ts";
import type { ClusterClient, WorkloadRef } from "../cluster/types.ts";
import { KineticError } from "../errors.ts";
import { JOBS, type JobDoc } from "../store/job-store.ts";
import { LEASES } from "../store/lease-store.ts";
import { CLEANUP_RUNS } from "../store/run-store.ts";
import { memoryCleanupDeps, memoryDeps, type MemoryDeps } from "../testing.ts";
import { ADMIN_RUNS, deleteJob, diagnose, listWorkloads } from "./admin.ts";
import { LEASE_NAME, runCleanup } from "./run.ts";
import type { CleanupDeps, CleanupSummary } from "./types.ts";

const NS = "ns";
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function setup(): MemoryDeps {
  return memoryDeps({ config: { defaultTtlSeconds: 3600, retentionDays: 30 } });
}

function cleanupDeps(deps: MemoryDeps, over: Partial<CleanupDeps> = {}): CleanupDeps {
  return { ...memoryCleanupDeps(deps), ...over };
}

/** A job record as submit + syncJobs leave it, and (unless inCluster: false) its workload in the cluster. */
async function job(
  deps: MemoryDeps,
  id: string,
  o: {
    state?: "SUCCEEDED" | "RUNNING";
    ttl?: number;
    dueTtl?: number;
    kind?: WorkloadRef["kind"];
    inCluster?: boolean;
  } = {},
): Promise<JobDoc> {
  const kind = o.kind ?? "Job";
  const spec = { namespace: NS, ...(o.ttl !== undefined ? { ttlSecondsAfterFinished: o.ttl } : {}) };
  await deps.store.create({ id, namespace: NS, accelerator: "cpu", spec });
  await deps.store.transition(
    { namespace: NS, id },
    {
      to: "SUBMITTED",
      reason: "Created",
      patch: { workload: { kind, name: id, namespace: NS } },
    },
  );
  await deps.store.transition({ namespace: NS, id }, { to: "RUNNING", reason: "Running" });
  if (o.state === "RUNNING") {
    if (o.inCluster !== false) workload(deps, id, { kind });
    return (await deps.store.get({ namespace: NS, id }))!;
  }
  const { job: done } = await deps.store.transition({ namespace: NS, id }, { to: "SUCCEEDED", reason: "Completed" });
  const ttl = o.dueTtl ?? o.ttl ?? deps.config.defaultTtlSeconds;
  await deps.store.patch(
    { namespace: NS, id },
    {
      active: false,
      finishedEventPublished: true,
      cleanupPending: true,
      cleanupDueAt: iso(Date.parse(done.finishedAt!) + ttl * 1000),
    },
  );
  if (o.inCluster !== false) workload(deps, id, { kind, finishedAt: done.finishedAt! });
  return (await deps.store.get({ namespace: NS, id }))!;
}

/** A Kinetic-labelled Job/JobSet in the cluster: running unless it has a finish time. */
function workload(
  deps: MemoryDeps,
  name: string,
  o: { kind?: string; namespace?: string; finishedAt?: string; jobId?: string; labels?: Record<string, string> } = {},
): void {
  deps.cluster.addWorkload(name, { ...o, namespace: o.namespace ?? NS, createdAt: iso(T0 - DAY) });
}

function resource(deps: MemoryDeps, kind: string, name: string, jobId?: string): void {
  deps.cluster.add({
    kind,
    apiVersion: "v1",
    name,
    namespace: NS,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, ...(jobId ? { [JOB_ID_LABEL]: jobId } : {}) },
    createdAt: iso(T0 - DAY),
  });
}

const inCluster = (deps: MemoryDeps) => [...deps.cluster.objects.keys()].sort();
const actions = (s: { items: Array<{ action: string; kind: string; name: string }> }) =>
  s.items.map((i) => `${i.action} ${i.kind}/${i.name}`).sort();

async function snapshot(deps: MemoryDeps, collection: string): Promise<string[]> {
  return (await deps.docs.query(collection, { limit: 10_000 })).map((s) => `${s.id}@${s.version}`).sort();
}

/** The fake cluster with a hook before each workload delete, and a log of what was deleted. */
function spyCluster(deps: MemoryDeps, beforeDelete: (ref: WorkloadRef) => Promise<void> = async () => {}) {
  const inner = deps.cluster;
  const deleted: string[] = [];
  const client: ClusterClient = {
    submit: (w) => inner.submit(w),
    dryRun: (w) => inner.dryRun(w),
    status: (r) => inner.status(r),
    logs: (r, o) => inner.logs(r, o),
    listManaged: (n, k, s) => inner.listManaged(n, k, s),
    deleteObject: (o) => inner.deleteObject(o),
    delete: async (ref) => {
      await beforeDelete(ref);
      const out = await inner.delete(ref);
      if (out.deleted) deleted.push(`${ref.kind}/${ref.namespace}/${ref.name}`);
      return out;
    },
  };
  return { client, deleted };
}

describe("diagnose", () => {
  it("lists every Kinetic resource with its job's state and what a cleanup would do, and changes nothing", async () => {
    const deps = setup();
    await job(deps, "old", { ttl: 60 });
    await job(deps, "busy", { state: "RUNNING" });
    // Due by its record, but the TTL that applies now is longer: a real run would move its due date.
    await job(deps, "grown", { dueTtl: 60 });
    // Due, and its workload is gone: a real run would clear the record.
    await job(deps, "gone", { ttl: 60, inCluster: false });
    resource(deps, "Secret", "old-creds", "old");
    resource(deps, "Service", "old-svc", "old");
    resource(deps, "Pod", "busy-0", "busy");
    workload(deps, "orphan", { finishedAt: iso(T0 - 2 * DAY) });
    deps.cluster.add({ kind: "Job", apiVersion: "batch/v1", name: "stranger", namespace: NS, labels: {} });
    deps.clock.advance(2 * MIN);
    const jobsBefore = await snapshot(deps, JOBS);
    const clusterBefore = inCluster(deps);

    const d = await diagnose(memoryCleanupDeps(deps), NS);
    expect(d.namespace).toBe(NS);
    expect(d.byKind).toEqual({ Job: 4, Secret: 1, Service: 1, Pod: 1 });
    const byName = new Map(d.resources.map((r) => [`${r.kind}/${r.name}`, r]));
    expect([...byName.keys()].sort()).toEqual([
      "Job/busy",
      "Job/grown",
      "Job/old",
      "Job/orphan",
      "Pod/busy-0",
      "Secret/old-creds",
      "Service/old-svc",
    ]);
    expect(byName.get("Job/old")).toEqual({
      kind: "Job",
      namespace: NS,
      name: "old",
      jobId: "old",
      jobState: "SUCCEEDED",
      phase: "Succeeded",
      createdAt: iso(T0 - DAY),
      finishedAt: iso(T0),
      cleanup: {
        action: "would-delete",
        reason: `finished (SUCCEEDED at ${iso(T0)}) more than its TTL (60 s) ago (dry run)`,
      },
    });
    expect(byName.get("Job/busy")).toMatchObject({
      jobState: "RUNNING",
      phase: "Active",
      cleanup: { action: "kept", reason: "job is RUNNING; running and pending jobs are deleted only with force" },
    });
    expect(byName.get("Job/grown")).toMatchObject({
      cleanup: { action: "kept", reason: `within its TTL (3600 s) until ${iso(T0 + 3600_000)}` },
    });
    expect(byName.get("Job/orphan")).toMatchObject({ jobState: "NO_RECORD", cleanup: { action: "would-delete" } });
    expect(byName.get("Secret/old-creds")).toMatchObject({
      jobState: "SUCCEEDED",
      cleanup: {
        action: "would-delete",
        reason: "belongs to job old, which is SUCCEEDED and has no live workload (dry run)",
      },
    });
    expect(byName.get("Secret/old-creds")).not.toHaveProperty("phase");
    expect(byName.get("Service/old-svc")).not.toHaveProperty("cleanup");
    expect(byName.get("Pod/busy-0")).not.toHaveProperty("cleanup");
    expect(actions(d.plan)).toEqual([
      "already-gone Job/gone",
      "kept Job/busy",
      "kept Job/grown",
      "would-delete Job/old",
      "would-delete Job/orphan",
      "would-delete Secret/old-creds",
    ]);
    expect(d.plan.counts).toMatchObject({ wouldDelete: 3, kept: 2, alreadyGone: 1, deleted: 0 });

    // No writes at all: no lease, no run record, no record moved or cleared, nothing deleted.
    expect(await snapshot(deps, JOBS)).toEqual(jobsBefore);
    expect(await snapshot(deps, CLEANUP_RUNS)).toEqual([]);
    expect(await deps.docs.get(LEASES, LEASE_NAME)).toBeUndefined();
    expect(inCluster(deps)).toEqual(clusterBefore);
    expect(deps.cluster.deletes).toBe(0);
  });
});

describe("listWorkloads", () => {
  it("lists Kinetic's top-level Jobs and JobSets with their recorded state, in one namespace or all", async () => {
    const deps = setup();
    await job(deps, "old", { ttl: 60 });
    await job(deps, "busy", { state: "RUNNING" });
    workload(deps, "set", { kind: "JobSet" });
    workload(deps, "set-worker-0", { jobId: "set", labels: { "jobset.sigs.k8s.io/jobset-name": "set" } });
    workload(deps, "far", { namespace: "other", finishedAt: iso(T0 - DAY) });
    resource(deps, "Secret", "old-creds", "old");
    deps.cluster.add({ kind: "Job", apiVersion: "batch/v1", name: "stranger", namespace: NS, labels: {} });
    const writes = deps.docs.stats.writes;

    const rows = await listWorkloads(memoryCleanupDeps(deps), NS);
    expect(rows.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      {
        kind: "Job",
        namespace: NS,
        name: "busy",
        phase: "Active",
        jobId: "busy",
        jobState: "RUNNING",
        createdAt: iso(T0 - DAY),
      },
      {
        kind: "Job",
        namespace: NS,
        name: "old",
        phase: "Succeeded",
        jobId: "old",
        jobState: "SUCCEEDED",
        createdAt: iso(T0 - DAY),
        finishedAt: iso(T0),
      },
      {
        kind: "JobSet",
        namespace: NS,
        name: "set",
        phase: "Active",
        jobId: "set",
        jobState: "NO_RECORD",
        createdAt: iso(T0 - DAY),
      },
    ]);
    const everywhere = await listWorkloads(memoryCleanupDeps(deps), "");
    expect(everywhere.map((r) => `${r.namespace}/${r.name}`).sort()).toEqual([
      "ns/busy",
      "ns/old",
      "ns/set",
      "other/far",
    ]);
    expect(deps.docs.stats.writes).toBe(writes);
  });
});

describe("deleteJob", () => {
  it("records a running job CANCELLED (DeletedByUser) before deleting its workload", async () => {
    const deps = setup();
    await job(deps, "busy", { state: "RUNNING" });
    let stateAtDelete: string | undefined;
    const spy = spyCluster(deps, async () => {
      stateAtDelete = (await deps.store.get({ namespace: NS, id: "busy" }))?.state;
    });

    const out = await deleteJob(cleanupDeps(deps, { cluster: spy.client }), "busy", { principal: "alice" });
    expect(stateAtDelete).toBe("CANCELLED");
    expect(out).toEqual({
      jobId: "busy",
      state: "CANCELLED",
      items: [
        {
          action: "deleted",
          kind: "Job",
          namespace: NS,
          name: "busy",
          jobId: "busy",
          reason: "deleted by alice; its pods go with it",
        },
      ],
    });
    expect(await deps.store.get({ namespace: NS, id: "busy" })).toMatchObject({
      state: "CANCELLED",
      reason: "DeletedByUser",
      message: "workload deleted by alice",
    });
    expect(inCluster(deps)).toEqual([]);
    expect(deps.logs).toContainEqual(
      expect.objectContaining({ message: "job workload deleted on request", jobId: "busy", principal: "alice" }),
    );
  });

  it("deletes a finished job's workload now and clears its pending cleanup; its state stays", async () => {
    const deps = setup();
    await job(deps, "done", { ttl: 86_400 });
    const out = await deleteJob(memoryCleanupDeps(deps), "done", { principal: "alice" });
    expect(out.state).toBe("SUCCEEDED");
    expect(actions(out)).toEqual(["deleted Job/done"]);
    const record = (await deps.store.get({ namespace: NS, id: "done" }))!;
    expect(record).toMatchObject({ state: "SUCCEEDED", reason: "Completed", cleanupPending: false });
    expect(record.cleanupDueAt).toBeUndefined();
    expect(inCluster(deps)).toEqual([]);
  });

  it("deletes a JobSet, not its child Jobs one by one", async () => {
    const deps = setup();
    await job(deps, "set", { kind: "JobSet", state: "RUNNING" });
    workload(deps, "set-worker-0", { jobId: "set", labels: { "jobset.sigs.k8s.io/jobset-name": "set" } });
    const spy = spyCluster(deps);

    const out = await deleteJob(cleanupDeps(deps, { cluster: spy.client }), "set", { principal: "alice" });
    expect(actions(out)).toEqual(["deleted JobSet/set"]);
    expect(spy.deleted).toEqual(["JobSet/ns/set"]);
  });

  it("with a kind, deletes only that kind, and leaves the record's pending cleanup when it names another kind", async () => {
    const deps = setup();
    await job(deps, "dual", { ttl: 86_400 });
    workload(deps, "dual", { kind: "JobSet", finishedAt: iso(T0) });

    const out = await deleteJob(memoryCleanupDeps(deps), "dual", { kind: "JobSet", principal: "alice" });
    expect(actions(out)).toEqual(["deleted JobSet/dual"]);
    expect(inCluster(deps)).toEqual(["Job/ns/dual"]);
    expect((await deps.store.get({ namespace: NS, id: "dual" }))?.cleanupPending).toBe(true);
  });

  it("without a record, deletes the objects labelled with the id in the namespace given", async () => {
    const deps = setup();
    workload(deps, "orphan");
    const out = await deleteJob(memoryCleanupDeps(deps), "orphan", { namespace: NS, principal: "alice" });
    expect(out).toMatchObject({ jobId: "orphan", state: "NO_RECORD" });
    expect(actions(out)).toEqual(["deleted Job/orphan"]);
    expect(inCluster(deps)).toEqual([]);
    expect(await deps.store.get({ namespace: NS, id: "orphan" })).toBeUndefined();
  });

  it("reports a recorded workload that is no longer in the cluster as already gone", async () => {
    const deps = setup();
    await job(deps, "gone", { ttl: 60, inCluster: false });
    const out = await deleteJob(memoryCleanupDeps(deps), "gone", { principal: "alice" });
    expect(out.items).toEqual([
      {
        action: "already-gone",
        kind: "Job",
        namespace: NS,
        name: "gone",
        jobId: "gone",
        reason: "no such object in the cluster",
      },
    ]);
    expect((await deps.store.get({ namespace: NS, id: "gone" }))?.cleanupPending).toBe(false);
    expect(deps.cluster.deletes).toBe(0);
  });

  it("refuses an unknown job: without a namespace it names the field; with one, an unlabelled namesake is not it", async () => {
    const deps = setup();
    deps.cluster.add({ kind: "Job", apiVersion: "batch/v1", name: "stranger", namespace: NS, labels: {} });
    const cleanup = memoryCleanupDeps(deps);

    const noNamespace = deleteJob(cleanup, "stranger", { principal: "alice" });
    await expect(noNamespace).rejects.toBeInstanceOf(KineticError);
    await expect(noNamespace).rejects.toMatchObject({
      code: "not-found",
      issues: [expect.objectContaining({ field: "namespace" })],
    });
    await expect(deleteJob(cleanup, "stranger", { namespace: NS, principal: "alice" })).rejects.toMatchObject({
      code: "not-found",
      message: "job stranger not found: no record and no Kinetic Job/JobSet labelled with it in ns",
    });
    expect(inCluster(deps)).toEqual(["Job/ns/stranger"]);
    expect(deps.cluster.deletes).toBe(0);
  });
});

describe("ADMIN_RUNS", () => {
  async function scenario(deps: MemoryDeps): Promise<void> {
    await job(deps, "young", { ttl: 86_400 });
    await job(deps, "busy", { state: "RUNNING" });
    resource(deps, "Secret", "young-creds", "young");
    deps.clock.advance(MIN);
  }

  it("clean-all is a dry run without force, and with force deletes everything Kinetic has in the namespace", async () => {
    const deps = setup();
    await scenario(deps);
    const clusterBefore = inCluster(deps);
    const jobsBefore = await snapshot(deps, JOBS);

    const dry = await runCleanup(memoryCleanupDeps(deps), ADMIN_RUNS.cleanAll(NS, false));
    expect(actions(dry)).toEqual([
      "would-delete Job/busy",
      "would-delete Job/young",
      "would-delete Secret/young-creds",
    ]);
    expect(inCluster(deps)).toEqual(clusterBefore);
    expect(await snapshot(deps, JOBS)).toEqual(jobsBefore);

    const forced: CleanupSummary = await runCleanup(memoryCleanupDeps(deps), ADMIN_RUNS.cleanAll(NS, true));
    expect(forced.status).toBe("completed");
    expect(actions(forced)).toEqual(["deleted Job/busy", "deleted Job/young", "deleted Secret/young-creds"]);
    expect(inCluster(deps)).toEqual([]);
    expect(await deps.store.get({ namespace: NS, id: "busy" })).toMatchObject({
      state: "CANCELLED",
      reason: "DeletedByCleanup",
    });
  });

  it("delete-completed deletes finished workloads whatever their TTL, and running ones only with force", async () => {
    const deps = setup();
    await scenario(deps);

    const plain = await runCleanup(memoryCleanupDeps(deps), ADMIN_RUNS.deleteCompleted(NS, false));
    expect(actions(plain).filter((a) => !a.includes("Secret/"))).toEqual(["deleted Job/young", "kept Job/busy"]);
    expect(inCluster(deps)).toEqual(["Job/ns/busy", "Secret/ns/young-creds"]);

    const forced = await runCleanup(memoryCleanupDeps(deps), ADMIN_RUNS.deleteCompleted(NS, true));
    expect(actions(forced).filter((a) => a.startsWith("deleted"))).toEqual(["deleted Job/busy"]);
    expect((await deps.store.get({ namespace: NS, id: "busy" }))?.state).toBe("CANCELLED");
  });
});
