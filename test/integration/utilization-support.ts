/**
 * Wiring for the utilization suites: a real Prometheus scraping the fake
 * DCGM/TPU exporter every second, deps on the Firestore emulator and the
 * testbed, and jobs submitted to the testbed until their pods run (KWOK
 * nodes shaped like GKE's GPU and TPU pools), with their real pod names.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { submitJob } from "../../shared/jobs/submit.ts";
import type { Deps } from "../../shared/deps.ts";
import type { MonitoringEnv } from "../../shared/operator-config/monitoring-env.ts";
import type { OperatorConfigInput } from "../../shared/operator-config/index.ts";
import type { JobDoc, JobKey } from "../../shared/store/job-store.ts";
import { utilizationDeps } from "../../shared/utilization/deps.ts";
import { runUtilizationCheck } from "../../shared/utilization/run.ts";
import type { UtilizationRunSummary } from "../../shared/utilization/types.ts";
import { kubeConfigFromEnv, TEST_ANNOTATIONS, waitFor } from "../../testbed/index.ts";
import { startPrometheus, type LocalPrometheus } from "../../testbed/prometheus/prometheus.ts";
import { FakeDcgmExporter } from "../fakes/dcgm-exporter.ts";
import { syncUntil, testCluster, uniqueId } from "./support.ts";

export interface Metrics {
  prometheus: LocalPrometheus;
  exporter: FakeDcgmExporter;
  stop(): Promise<void>;
}

export async function startMetrics(): Promise<Metrics> {
  const exporter = new FakeDcgmExporter();
  const target = await exporter.start();
  const prometheus = await startPrometheus({ targets: [target], scrapeIntervalSeconds: 1 }).catch(async (err) => {
    await exporter.stop();
    throw err;
  });
  await prometheus.waitForTargets();
  return {
    prometheus,
    exporter,
    stop: async () => void (await Promise.allSettled([prometheus.stop(), exporter.stop()])),
  };
}

/** The startup-only monitoring settings the tests run with: on, this Prometheus, 1 s samples. */
export function monitoringEnv(url: string): MonitoringEnv {
  return { enabled: true, metricsEndpoint: url, pollingInterval: "1s", pollingIntervalMs: 1000 };
}

/** Replaces the live operator config, as `kinetic admin config set` does. */
export async function setConfig(deps: Deps, input: OperatorConfigInput): Promise<void> {
  const { revision } = await deps.operatorConfig.read();
  await deps.operatorConfig.write(input, { by: "test", ifRevision: revision });
}

export function check(deps: Deps, url: string, runId = uniqueId("run")): Promise<UtilizationRunSummary> {
  return runUtilizationCheck(utilizationDeps(deps, { env: monitoringEnv(url) }), { runId, trigger: "test" });
}

/** Jobs started by runningJob, so a suite can free the testbed's GPUs after each case. */
export const startedJobs: JobDoc[] = [];

/** Deletes the workloads of the jobs started so far (missing is fine). */
export async function freeStartedJobs(): Promise<void> {
  const jobs = startedJobs.splice(0);
  const cluster = testCluster();
  await Promise.allSettled(jobs.map((j) => (j.workload ? cluster.delete(j.workload) : undefined)));
}

export interface RunningJob {
  key: JobKey;
  job: JobDoc;
  pods: string[];
}

/** Submits a job to the testbed and syncs until it runs; answers with its pods' names. */
export async function runningJob(deps: Deps, namespace: string, spec: Record<string, unknown>): Promise<RunningJob> {
  const id = uniqueId(String(spec.prefix ?? "gpu"));
  const { prefix: _p, ...rest } = spec;
  await submitJob(deps, {
    spec: {
      id,
      namespace,
      command: ["sleep", "3600"],
      cpu: "100m",
      memory: "64Mi",
      // KWOK pods finish after a second unless told to keep running.
      annotations: { [TEST_ANNOTATIONS.outcome]: "run" },
      ...rest,
    },
    principal: "tester",
    source: "test",
  });
  const key = { namespace, id };
  const job = await syncUntil(deps, key, ["RUNNING"]);
  startedJobs.push(job);
  const core = kubeConfigFromEnv().makeApiClient(CoreV1Api);
  const pods = await waitFor(
    async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: `kinetic.dev/job-id=${id}` });
      const names = list.items.filter((p) => p.status?.phase === "Running").map((p) => p.metadata!.name!);
      return names.length ? names.sort() : undefined;
    },
    { description: `running pods of ${id}` },
  );
  return { key, job, pods };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
