/**
 * submitJob on the in-memory store and the fake cluster: what the submitter
 * ends up with (the record, its state and reason, the workload on the
 * cluster) for good input, bad input, duplicates, concurrent deliveries and
 * cluster faults before and after the create.
 */
import { describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { memoryDeps } from "../testing.ts";
import { submitJob, type SubmitRequest } from "./submit.ts";
import { cancelJob } from "./cancel.ts";
import { deriveJobId } from "../schemas/job-id.ts";

const SPEC = { namespace: "ns", image: "python:3.12", command: ["python", "train.py"], accelerator: "nvidia-l4" };

function message(spec: unknown, extra: Partial<SubmitRequest> = {}): SubmitRequest {
  return { spec, principal: "pubsub", source: "pubsub:m1", key: "pubsub:m1", ...extra };
}

describe("submitJob", () => {
  it("records the job, creates its workload and records SUBMITTED with the workload", async () => {
    const deps = memoryDeps();
    const out = await submitJob(deps, message({ ...SPEC, id: "train-1" }));
    expect(out.status).toBe("created");
    const job = (await deps.store.get({ namespace: "ns", id: "train-1" }))!;
    expect(job).toMatchObject({
      state: "SUBMITTED",
      reason: "Created",
      namespace: "ns",
      accelerator: "nvidia-l4",
      workload: { kind: "Job", namespace: "ns" },
      source: "pubsub:m1",
    });
    expect(job.events.map((e) => e.state)).toEqual(["QUEUED", "SUBMITTED"]);
    expect(deps.cluster.objects.size).toBe(1);
    const [workload] = deps.cluster.submitted.values();
    expect(workload!.metadata.labels["kinetic.dev/job-id"]).toBe("train-1");
  });

  it("takes the id from the spec, else the message attribute, else one derived from the delivery key", async () => {
    const deps = memoryDeps();
    await submitJob(deps, message({ ...SPEC, id: "from-spec" }, { jobId: "from-attr" }));
    await submitJob(deps, message(SPEC, { jobId: "from-attr" }));
    await submitJob(deps, message(SPEC, { key: "pubsub:77" }));
    expect(await deps.store.get({ namespace: "ns", id: "from-spec" })).toBeDefined();
    expect(await deps.store.get({ namespace: "ns", id: "from-attr" })).toBeDefined();
    expect(await deps.store.get({ namespace: "ns", id: deriveJobId("pubsub:77") })).toBeDefined();
  });

  it("a redelivered message changes nothing: one record, one workload", async () => {
    const deps = memoryDeps();
    const first = await submitJob(deps, message(SPEC));
    const again = await submitJob(deps, message(SPEC));
    expect(first.status).toBe("created");
    expect(again.status).toBe("duplicate");
    expect(deps.cluster.submits).toBe(1);
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("ten concurrent deliveries of one message: one record, one workload, SUBMITTED once", async () => {
    const deps = memoryDeps();
    const outs = await Promise.all(Array.from({ length: 10 }, () => submitJob(deps, message(SPEC))));
    expect(outs.filter((o) => o.status === "created")).toHaveLength(1);
    expect(deps.cluster.objects.size).toBe(1);
    const job = (await deps.store.get({ namespace: "ns", id: deriveJobId("pubsub:m1") }))!;
    expect(job.state).toBe("SUBMITTED");
    expect(job.events.filter((e) => e.state === "SUBMITTED")).toHaveLength(1);
  });

  it("retries a transient cluster fault inside the delivery", async () => {
    const deps = memoryDeps();
    deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "connection reset"));
    const out = await submitJob(deps, message({ ...SPEC, id: "flaky" }));
    expect(out.status).toBe("created");
    expect((await deps.store.get({ namespace: "ns", id: "flaky" }))?.state).toBe("SUBMITTED");
    expect(deps.cluster.submits).toBe(2);
  });

  it("when the cluster stays down it throws (so the transport redelivers) and the job waits QUEUED; the redelivery finishes it", async () => {
    const deps = memoryDeps();
    for (let i = 0; i < 3; i++) deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "down"));
    await expect(submitJob(deps, message({ ...SPEC, id: "later" }))).rejects.toMatchObject({
      code: "cluster-unavailable",
    });
    expect((await deps.store.get({ namespace: "ns", id: "later" }))?.state).toBe("QUEUED");
    const redelivered = await submitJob(deps, message({ ...SPEC, id: "later" }));
    expect(redelivered.status).toBe("duplicate");
    expect((await deps.store.get({ namespace: "ns", id: "later" }))?.state).toBe("SUBMITTED");
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("a create that took effect although the client saw an error is recognised by its 409 (AlreadyExists)", async () => {
    const deps = memoryDeps();
    deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "timeout after write"), { after: true });
    await submitJob(deps, message({ ...SPEC, id: "ghost" }));
    const job = (await deps.store.get({ namespace: "ns", id: "ghost" }))!;
    expect(job).toMatchObject({ state: "SUBMITTED", reason: "AlreadyExists" });
    expect(deps.cluster.objects.size).toBe(1);
  });

  it("a submission costs two Firestore writes and no read: the create, then SUBMITTED over the version it wrote", async () => {
    const deps = memoryDeps();
    // The operator config is read once per instance and reused for SUBMIT_CONFIG_MAX_AGE_MS: warm, as in steady state.
    await deps.operatorConfig.current();
    const before = { ...deps.docs.stats };
    expect((await submitJob(deps, message({ ...SPEC, id: "cheap" }))).status).toBe("created");
    expect(deps.docs.stats.reads - before.reads).toBe(0);
    expect(deps.docs.stats.writes - before.writes).toBe(2);
    expect((await deps.store.get({ namespace: "ns", id: "cheap" }))?.state).toBe("SUBMITTED");
  });

  it("a permanent cluster rejection fails the job with the API server's message, and is not retried", async () => {
    const deps = memoryDeps();
    deps.cluster.failNext("submit", new KineticError("cluster-rejected", "admission webhook denied (HTTP 403)"));
    const out = await submitJob(deps, message({ ...SPEC, id: "denied" }));
    expect(out.status).toBe("created");
    expect(await deps.store.get({ namespace: "ns", id: "denied" })).toMatchObject({
      state: "FAILED",
      reason: "ClusterRejected",
      message: "admission webhook denied (HTTP 403)",
    });
    expect(deps.cluster.submits).toBe(1);
  });

  it.each([
    ["an invalid field", { ...SPEC, cpu: "lots" }, "InvalidSpec", "cpu"],
    ["an unknown accelerator", { ...SPEC, accelerator: "tpu-v99" }, "UnknownAccelerator", "accelerator"],
    ["a namespace the submitter may not use", { ...SPEC, namespace: "other" }, "NamespaceNotAllowed", "namespace"],
  ])("records %s as REJECTED with the field named, and never touches the cluster", async (_, spec, reason, field) => {
    const deps = memoryDeps();
    const out = await submitJob(deps, message({ ...spec, id: "bad" }));
    expect(out.status).toBe("rejected");
    if (out.status !== "rejected") throw new Error("unreachable");
    expect(out.error.retryable).toBe(false);
    expect(out.error.issues.map((i) => i.field)).toContain(field);
    const job = (await deps.store.get({ namespace: spec.namespace, id: "bad" }))!;
    expect(job).toMatchObject({ state: "REJECTED", reason, active: false });
    expect(job.message).toContain(field);
    expect(deps.cluster.submits).toBe(0);
  });

  it("a message that is not JSON is recorded as REJECTED under its delivery key", async () => {
    const deps = memoryDeps();
    const out = await submitJob(deps, { ...message(undefined), parseError: "Unexpected token" });
    expect(out.status).toBe("rejected");
    // No namespace could be read: the record sits in the empty namespace, which only operators see.
    expect(await deps.store.get({ namespace: "", id: deriveJobId("pubsub:m1") })).toMatchObject({
      state: "REJECTED",
      reason: "InvalidSpec",
    });
  });

  it("an HTTP call without id or key that is invalid stores nothing", async () => {
    const deps = memoryDeps();
    const out = await submitJob(deps, { spec: { cpu: "lots" }, principal: "tester", source: "http:tester" });
    expect(out.status).toBe("rejected");
    expect((await deps.store.list()).jobs).toHaveLength(0);
  });

  it("a message older than the age limit is rejected as Expired, not started late", async () => {
    const deps = memoryDeps({ config: { submitMaxAgeSeconds: 60 } });
    const publishedAt = new Date(deps.clock.now().getTime() - 120_000).toISOString();
    await submitJob(deps, message({ ...SPEC, id: "stale" }, { publishedAt }));
    expect(await deps.store.get({ namespace: "ns", id: "stale" })).toMatchObject({
      state: "REJECTED",
      reason: "Expired",
    });
    expect(deps.cluster.submits).toBe(0);
  });

  it("jobs without a queue go to the operator's default queue, suspended for Kueue", async () => {
    const deps = memoryDeps({ config: { defaultQueue: "kinetic" } });
    await submitJob(deps, message({ ...SPEC, id: "queued" }));
    const [workload] = deps.cluster.submitted.values();
    expect(workload!.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("kinetic");
    expect(workload!.spec.suspend).toBe(true);
  });

  it("a store fault that is transient propagates (nack), with nothing on the cluster", async () => {
    const deps = memoryDeps();
    const create = deps.store.create.bind(deps.store);
    deps.store.create = async () => {
      deps.store.create = create;
      throw new KineticError("unavailable", "Firestore unavailable");
    };
    await expect(submitJob(deps, message(SPEC))).rejects.toMatchObject({ code: "unavailable" });
    expect(deps.cluster.submits).toBe(0);
  });

  describe("cancel always wins", () => {
    it("a cancel that lands while the create is in flight: the workload is deleted in the same delivery", async () => {
      const deps = memoryDeps();
      const submit = deps.cluster.submit.bind(deps.cluster);
      deps.cluster.submit = async (workload) => {
        const result = await submit(workload);
        // The cancel reads the record before SUBMITTED is written: it sees no workload to delete.
        await cancelJob(deps, { namespace: "ns", id: "raced" }, "alice");
        return result;
      };
      await submitJob(deps, message({ ...SPEC, id: "raced" }));
      expect(await deps.store.get({ namespace: "ns", id: "raced" })).toMatchObject({
        state: "CANCELLED",
        reason: "CancelledByUser",
      });
      expect(deps.cluster.objects.size).toBe(0);
    });

    it("a delivery that died after its create, cancelled before the redelivery: the redelivery deletes the orphan", async () => {
      const deps = memoryDeps();
      const transition = deps.store.transition.bind(deps.store);
      deps.store.transition = async () => {
        deps.store.transition = transition;
        throw new Error("process killed after the create");
      };
      await expect(submitJob(deps, message({ ...SPEC, id: "orphan" }))).rejects.toThrow(/killed/);
      expect(deps.cluster.objects.size).toBe(1);
      await cancelJob(deps, { namespace: "ns", id: "orphan" }, "alice");
      expect(deps.cluster.objects.size).toBe(1); // the record never learnt of the workload
      const again = await submitJob(deps, message({ ...SPEC, id: "orphan" }));
      expect(again.status).toBe("duplicate");
      expect(deps.cluster.objects.size).toBe(0);
      expect((await deps.store.get({ namespace: "ns", id: "orphan" }))?.state).toBe("CANCELLED");
    });

    it("concurrent duplicate deliveries write SUBMITTED once: the first mover's reason is never overwritten", async () => {
      const deps = memoryDeps();
      await Promise.all(Array.from({ length: 5 }, () => submitJob(deps, message({ ...SPEC, id: "dup" }))));
      const job = (await deps.store.get({ namespace: "ns", id: "dup" }))!;
      expect(job.events.map((e) => e.state)).toEqual(["QUEUED", "SUBMITTED"]);
      // Whichever delivery moved it first (Created, or a duplicate's AlreadyExists), later ones change nothing.
      expect(job.reason).toBe(job.events[1]!.reason);
      expect(job.updatedAt).toBe(job.events[1]!.at);
    });
  });

  describe("ids", () => {
    it("the same id with a different spec is an id conflict: nothing changes and nothing of the first job is shown", async () => {
      const deps = memoryDeps();
      await submitJob(deps, message({ ...SPEC, id: "taken", env: { SECRET_ISH: "value-a" } }));
      const out = await submitJob(deps, message({ ...SPEC, id: "taken", image: "other:1" }, { source: "pubsub:m2" }));
      expect(out.status).toBe("rejected");
      if (out.status !== "rejected") throw new Error("unreachable");
      expect(out.job).toBeUndefined();
      expect(out.error).toMatchObject({ code: "id-conflict", status: 409, retryable: false });
      expect(JSON.stringify(out.error.toJSON())).not.toContain("value-a");
      expect(await deps.store.get({ namespace: "ns", id: "taken" })).toMatchObject({
        image: "python:3.12",
        source: "pubsub:m1",
      });
      expect(deps.cluster.submits).toBe(1);
    });

    it("another namespace reusing a QUEUED job's id gets its own job; neither touches the other", async () => {
      const deps = memoryDeps({ namespaces: ["team-a", "team-b"] });
      for (let i = 0; i < 3; i++) deps.cluster.failNext("submit", new KineticError("cluster-unavailable", "down"));
      await expect(submitJob(deps, message({ ...SPEC, namespace: "team-a", id: "x" }))).rejects.toThrow();
      expect((await deps.store.get({ namespace: "team-a", id: "x" }))?.state).toBe("QUEUED");
      const other = await submitJob(deps, message({ ...SPEC, namespace: "team-b", id: "x" }, { source: "pubsub:b" }));
      expect(other).toMatchObject({ status: "created", job: { namespace: "team-b", state: "SUBMITTED" } });
      // team-a's own redelivery finishes team-a's job; team-b's cancel never reaches it.
      await submitJob(deps, message({ ...SPEC, namespace: "team-a", id: "x" }));
      expect([...deps.cluster.objects.values()].map((o) => o.namespace).sort()).toEqual(["team-a", "team-b"]);
      await cancelJob(deps, { namespace: "team-b", id: "x" }, "bob");
      expect([...deps.cluster.objects.values()].map((o) => o.namespace)).toEqual(["team-a"]);
      expect((await deps.store.get({ namespace: "team-a", id: "x" }))?.state).toBe("SUBMITTED");
    });

    it("an invalid spec from a caller who reads the answer stores nothing, so it cannot squat the id", async () => {
      const deps = memoryDeps();
      const bad = await submitJob(deps, {
        spec: { ...SPEC, id: "wanted", cpu: "lots" },
        principal: "tester",
        source: "http:tester",
        recordRejections: false,
      });
      expect(bad.status).toBe("rejected");
      expect(await deps.store.get({ namespace: "ns", id: "wanted" })).toBeUndefined();
      const good = await submitJob(deps, {
        spec: { ...SPEC, id: "wanted" },
        principal: "tester",
        source: "http:tester",
      });
      expect(good.status).toBe("created");
    });
  });
});
