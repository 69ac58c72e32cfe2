/**
 * A small study end to end on real parts: the study and trial records in the
 * Firestore emulator, every trial a real Kubernetes Job on the testbed's
 * kube-apiserver (KWOK pods run for 1 s), syncJobs driving the job.finished
 * events, each delivered to the tuneStudy function's handler.
 *
 * Honest limits: KWOK pods have no containers, so the testbed serves no
 * logs; `trialCluster` below is a test double that delegates everything to
 * the real KubeCluster except `logs`, which prints the metric a trial's
 * arguments imply (accuracy = 1 − |x − 0.3|), and `submit`, which marks one
 * chosen trial's pod template with the testbed's "fail" annotation so one
 * real Job fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchV1Api } from "@kubernetes/client-node";
import type { Deps } from "../../shared/deps.ts";
import { RecordingBus, type JobFinishedEvent } from "../../shared/bus/event-bus.ts";
import type { ClusterClient, Workload, WorkloadRef } from "../../shared/cluster/types.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { createStudy } from "../../shared/studies/create.ts";
import { studyStatus } from "../../shared/studies/operations.ts";
import { handleTuningMessage } from "../../functions/tune-study/handler.ts";
import {
  createTestNamespace,
  kubeConfigFromEnv,
  waitFor,
  TEST_ANNOTATIONS,
  type TestNamespace,
} from "../../testbed/index.ts";
import { testCluster, testDeps, uniqueId } from "./support.ts";

const accuracy = (x: number) => 1 - Math.abs(x - 0.3);

/** The real cluster, with logs derived from each Job's `--x=` argument and one trial made to fail. */
function trialCluster(inner: ClusterClient, failJob: string): ClusterClient {
  const xOf = new Map<string, number>();
  const submit = async (w: Workload) => {
    const pod = (
      w.spec as {
        template: {
          metadata?: { annotations?: Record<string, string> };
          spec: { containers: Array<{ args?: string[] }> };
        };
      }
    ).template;
    const arg = pod.spec.containers[0]?.args?.find((a) => a.startsWith("--x="));
    if (arg) xOf.set(w.metadata.name, Number(arg.slice(4)));
    if (w.metadata.labels["kinetic.dev/job-id"] === failJob)
      pod.metadata = {
        ...pod.metadata,
        annotations: { ...pod.metadata?.annotations, [TEST_ANNOTATIONS.outcome]: "fail" },
      };
    return inner.submit(w);
  };
  const logs = async (ref: WorkloadRef) => {
    const x = xOf.get(ref.name);
    return x === undefined
      ? ""
      : `2026-03-01T00:00:00Z epoch 1 accuracy=${accuracy(x) - 0.1}\nepoch 2 accuracy=${accuracy(x)}\n`;
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "submit") return submit;
      if (prop === "logs") return logs;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

let ns: TestNamespace;
let deps: Deps;
let bus: RecordingBus;
const batch = () => kubeConfigFromEnv().makeApiClient(BatchV1Api);

beforeAll(async () => {
  ns = await createTestNamespace("study-e2e");
  bus = new RecordingBus();
  deps = testDeps({ namespaces: [ns.name], bus, cluster: testCluster() });
});

afterAll(async () => {
  await ns?.cleanup();
});

function envelope(event: JobFinishedEvent, n: number) {
  const messageId = `${event.eventId}-${n}`;
  const data = Buffer.from(JSON.stringify(event)).toString("base64");
  return { id: messageId, data: { message: { data, messageId } } };
}

describe("a tuning study on the emulators and the testbed", () => {
  it("runs 6 trials, 2 at a time, as real Jobs, to Succeeded with the best trial (checks 1, 2, 3, 29)", async () => {
    const id = uniqueId("st");
    deps = { ...deps, cluster: trialCluster(testCluster(), `${id}-3`) };
    const spec = {
      id,
      hyperparameters: { x: { type: "double", min: 0, max: 1 } },
      objectives: ["accuracy"],
      trials: 6,
      parallelTrials: 2,
      algorithm: "random",
      trialTemplate: {
        namespace: ns.name,
        image: "python:3.12-slim",
        command: ["python", "train.py"],
        args: ["--x=${x}"],
        cpu: "100m",
        memory: "128Mi",
      },
    };
    const { study } = await createStudy(deps, { spec, principal: "tester" });
    expect(study).toMatchObject({ state: "RUNNING", issued: 2, active: 2 });
    const listed = await batch().listNamespacedJob({ namespace: ns.name });
    expect(listed.items.map((j) => j.metadata?.labels?.["kinetic.dev/job-id"]).sort()).toEqual([`${id}-0`, `${id}-1`]);

    let delivered = 0;
    let maxK8sJobs = 0;
    const done = await waitFor(
      async () => {
        await syncJobs(deps);
        const events = bus.messages.slice(delivered).map((m) => m.data as JobFinishedEvent);
        delivered = bus.messages.length;
        // Each event twice: Pub/Sub's at-least-once delivery.
        for (const [i, e] of events.entries()) {
          await handleTuningMessage(deps, envelope(e, i));
          await handleTuningMessage(deps, envelope(e, i + 1000));
        }
        const s = (await deps.studies.get({ namespace: ns.name, id }))!;
        expect(s.active).toBeLessThanOrEqual(2);
        const jobs = await batch().listNamespacedJob({ namespace: ns.name });
        const unfinished = jobs.items.filter(
          (j) => !j.status?.conditions?.some((c) => c.type === "Complete" || c.type === "Failed"),
        );
        expect(unfinished.length).toBeLessThanOrEqual(2);
        maxK8sJobs = Math.max(maxK8sJobs, jobs.items.length);
        return s.state === "SUCCEEDED" || s.state === "FAILED" ? s : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1_000, description: `study ${id}` },
    );
    expect(done).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached", issued: 6, active: 0 });
    expect(done.counts).toMatchObject({ succeeded: 5, failed: 1 });
    expect(maxK8sJobs).toBe(6);
    const trials = await deps.studies.listTrials(done);
    expect(trials.map((t) => t.state)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "FAILED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    const best = trials
      .filter((t) => t.objective !== undefined)
      .sort((a, b) => b.objective! - a.objective! || a.index - b.index)[0]!;
    expect(done.best).toMatchObject({ index: best.index, value: best.objective });
    expect(best.objective).toBeCloseTo(accuracy(best.params.x as number), 9);
    const status = await studyStatus(deps, { namespace: ns.name, id });
    expect(status.counts).toMatchObject({ pending: 0, running: 0, succeeded: 5, failed: 1 });
  });
});
