/**
 * The job path end to end on real parts: a job message published to the
 * Pub/Sub emulator is pushed to submitJob (functions-framework), recorded
 * in the Firestore emulator, created on the testbed's real kube-apiserver,
 * and driven to its final state by syncJobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchV1Api } from "@kubernetes/client-node";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { RecordingBus } from "../../shared/bus/event-bus.ts";
import { workloadName } from "../../shared/manifests/render.ts";
import { deriveJobId } from "../../shared/schemas/job-id.ts";
import { handleJobMessage } from "../../functions/submit-job/handler.ts";
import {
  createTestNamespace,
  kubeConfigFromEnv,
  waitFor,
  TEST_ANNOTATIONS,
  type TestNamespace,
} from "../../testbed/index.ts";
import { servePushTarget, type PushTarget } from "./push-target.ts";
import { jobInState, syncUntil, testDeps, uniqueId } from "./support.ts";
import "../../functions/submit-job/index.ts";

let ns: TestNamespace;
let deps: Deps;
let bus: RecordingBus;
let push: PushTarget;
const batch = () => kubeConfigFromEnv().makeApiClient(BatchV1Api);

beforeAll(async () => {
  ns = await createTestNamespace("submit-e2e");
  bus = new RecordingBus();
  deps = testDeps({ namespaces: [ns.name], bus });
  setDeps(deps);
  push = await servePushTarget("submitJob", uniqueId("proj"), uniqueId("jobs"));
});

afterAll(async () => {
  await push?.close();
  setDeps(undefined);
  await ns?.cleanup();
});

const cpuJob = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  namespace: ns.name,
  image: "python:3.12-slim",
  command: ["python", "-c", "print('loss=0.42')"],
  cpu: "100m",
  memory: "128Mi",
  ...extra,
});

describe("job submission over Pub/Sub push", () => {
  it("publishes a GPU job, creates the Job on the cluster and syncs it to SUCCEEDED", async () => {
    const id = uniqueId("l4");
    await push.publish(cpuJob(id, { accelerator: "nvidia-l4", gpus: 8 }));
    const submitted = await jobInState(deps, { namespace: ns.name, id }, ["SUBMITTED"]);
    expect(submitted.workload).toEqual({ kind: "Job", name: workloadName(id), namespace: ns.name });

    const k8sJob = await batch().readNamespacedJob({ name: workloadName(id), namespace: ns.name });
    const container = k8sJob.spec!.template.spec!.containers[0]!;
    expect(container.resources?.limits?.["nvidia.com/gpu"]).toBe("8");
    expect(k8sJob.spec!.template.spec!.nodeSelector).toMatchObject({ "cloud.google.com/gke-accelerator": "nvidia-l4" });
    expect(k8sJob.metadata?.labels).toMatchObject({ "kinetic.dev/job-id": id });

    const done = await syncUntil(deps, { namespace: ns.name, id }, ["SUCCEEDED", "FAILED"]);
    expect(done.state).toBe("SUCCEEDED");
    expect(done.events.map((e) => e.state)).toEqual(expect.arrayContaining(["QUEUED", "SUBMITTED", "SUCCEEDED"]));
    // Exactly one job-finished event, and the job left the active set.
    expect(bus.messages.filter((m) => (m.data as { jobId: string }).jobId === id)).toHaveLength(1);
    expect((await deps.store.get({ namespace: ns.name, id }))!.active).toBe(false);
  });

  it("turns a message delivered three times (lost acks) into one job and one Kubernetes object", async () => {
    // No id in the message: the job id derives from the message id, which a redelivery keeps.
    const { id: _none, ...anonymous } = cpuJob("unused");
    const marker = uniqueId("dup");
    push.failFirstDeliveries = 2;
    let messageId: string;
    try {
      messageId = await push.publish({ ...anonymous, labels: { marker } });
      await waitFor(
        async () => push.deliveries.filter((d) => d.messageId === messageId && d.status < 300).length === 1,
        {
          timeoutMs: 90_000,
          description: "the third delivery to be acked",
        },
      );
      expect(push.deliveries.filter((d) => d.messageId === messageId).map((d) => d.status)).toEqual([500, 500, 204]);
    } finally {
      push.failFirstDeliveries = 0;
    }
    const id = deriveJobId(`pubsub:${messageId}`);
    const job = await jobInState(deps, { namespace: ns.name, id }, ["SUBMITTED"]);
    expect(job.events.filter((e) => e.state === "SUBMITTED")).toHaveLength(1);
    const jobs = await batch().listNamespacedJob({ namespace: ns.name, labelSelector: `marker=${marker}` });
    expect(jobs.items).toHaveLength(1);
    expect(jobs.items[0]!.metadata!.labels!["kinetic.dev/job-id"]).toBe(id);
  });

  it("turns one message handed to five instances at once into one job, one object, one SUBMITTED event", async () => {
    const { id: _none, ...anonymous } = cpuJob("unused");
    const marker = uniqueId("conc");
    push.concurrentCopies = 5;
    let messageId: string;
    try {
      messageId = await push.publish({ ...anonymous, labels: { marker } });
      await waitFor(async () => push.deliveries.some((d) => d.messageId === messageId && d.status < 300), {
        timeoutMs: 90_000,
        description: "the concurrent deliveries to be acked",
      });
    } finally {
      push.concurrentCopies = 1;
    }
    const id = deriveJobId(`pubsub:${messageId}`);
    const job = await jobInState(deps, { namespace: ns.name, id }, ["SUBMITTED", "PENDING", "RUNNING", "SUCCEEDED"]);
    expect(job.events.filter((e) => e.state === "QUEUED")).toHaveLength(1);
    // One SUBMITTED, by whichever delivery moved first (its create, or a twin's 409: AlreadyExists).
    expect(job.events.filter((e) => e.state === "SUBMITTED")).toHaveLength(1);
    const jobs = await batch().listNamespacedJob({ namespace: ns.name, labelSelector: `marker=${marker}` });
    expect(jobs.items).toHaveLength(1);
  });

  it("dedupes a republish: a new message id with the same job id is the same job", async () => {
    const id = uniqueId("repub");
    const first = await push.publish(cpuJob(id));
    const second = await push.publish(cpuJob(id));
    expect(first).not.toBe(second);
    await waitFor(async () => push.deliveries.filter((d) => d.messageId === second).length > 0, { timeoutMs: 30_000 });
    await jobInState(deps, { namespace: ns.name, id }, ["SUBMITTED"]);
    const jobs = await batch().listNamespacedJob({ namespace: ns.name, labelSelector: `kinetic.dev/job-id=${id}` });
    expect(jobs.items).toHaveLength(1);
    expect((await deps.store.list({ namespace: ns.name, limit: 500 })).jobs.filter((j) => j.id === id)).toHaveLength(1);
  });

  it("shows an unschedulable request as PENDING with the scheduler's reason", async () => {
    const id = uniqueId("big");
    await push.publish(cpuJob(id, { cpu: "500" }));
    await jobInState(deps, { namespace: ns.name, id }, ["SUBMITTED"]);
    const pending = await syncUntil(deps, { namespace: ns.name, id }, ["PENDING"]);
    expect(pending.reason).toBe("Unschedulable");
    expect(pending.message).toMatch(/Insufficient cpu/);
    expect(pending.pendingKind).toBe("Unschedulable");
  });

  it("records a pod that exits with code 3 as FAILED with that exit code", async () => {
    const id = uniqueId("exit3");
    await push.publish(
      cpuJob(id, { annotations: { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "3" } }),
    );
    await jobInState(deps, { namespace: ns.name, id }, ["SUBMITTED"]);
    const failed = await syncUntil(deps, { namespace: ns.name, id }, ["FAILED", "SUCCEEDED"]);
    expect(failed.state).toBe("FAILED");
    expect(failed.exitCode).toBe(3);
    expect(bus.messages.find((m) => (m.data as { jobId: string }).jobId === id)?.data).toMatchObject({
      type: "job.finished",
      state: "FAILED",
      exitCode: 3,
    });
  });
});

describe("poison messages", () => {
  it("records malformed JSON as REJECTED and acks it (no redelivery loop)", async () => {
    const messageId = await push.publishRaw(Buffer.from("{not json"), { jobId: "poison-json" });
    const job = await jobInState(deps, { namespace: "", id: "poison-json" }, ["REJECTED"]);
    expect(job.reason).toBe("InvalidSpec");
    expect(job.message).toMatch(/not valid JSON/);
    await waitFor(async () => push.deliveries.some((d) => d.messageId === messageId));
    expect(push.deliveries.filter((d) => d.messageId === messageId).map((d) => d.status)).toEqual([204]);
  });

  it("rejects an unknown accelerator with close matches, and an impossible GPU count naming the field", async () => {
    await push.publish(cpuJob("poison-acc", { accelerator: "nvidia-l5" }));
    const unknown = await jobInState(deps, { namespace: ns.name, id: "poison-acc" }, ["REJECTED"]);
    expect(unknown.reason).toBe("UnknownAccelerator");
    expect(unknown.message).toMatch(/nvidia-l4/);

    await push.publish(cpuJob("poison-gpus", { accelerator: "nvidia-l4", gpus: 16 }));
    const tooMany = await jobInState(deps, { namespace: ns.name, id: "poison-gpus" }, ["REJECTED"]);
    expect(tooMany.message).toMatch(/gpus/);
    expect(tooMany.message).toMatch(/8/);
  });

  it("rejects a stale message as Expired instead of starting it late (emulator push carries no publish time)", async () => {
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    const data = Buffer.from(JSON.stringify(cpuJob("stale-1"))).toString("base64");
    const outcome = await handleJobMessage(deps, {
      id: "m-stale",
      time: old,
      data: { message: { data, messageId: "m-stale", publishTime: old } },
    });
    expect(outcome?.status).toBe("rejected");
    const job = await jobInState(deps, { namespace: ns.name, id: "stale-1" }, ["REJECTED"]);
    expect(job.reason).toBe("Expired");
    expect(job.workload).toBeUndefined();
  });

  it("refuses a namespace the submitter does not own, without touching the cluster", async () => {
    await push.publish(cpuJob("poison-ns", { namespace: "kube-system" }));
    const job = await jobInState(deps, { namespace: "kube-system", id: "poison-ns" }, ["REJECTED"]);
    expect(job.reason).toBe("NamespaceNotAllowed");
    const jobs = await batch().listNamespacedJob({
      namespace: "kube-system",
      labelSelector: "kinetic.dev/job-id=poison-ns",
    });
    expect(jobs.items).toHaveLength(0);
  });
});
