/**
 * Test helpers for the study domain (used by the tests beside it): memory
 * deps whose cluster serves per-workload logs (MemoryCluster returns none),
 * a small study spec, and "finish these trials": set the workloads' outcome,
 * run syncJobs as the cron does, and hand back the job.finished events it
 * published, to deliver to onTrialEvent in whatever order a test wants.
 */
import type { JobFinishedEvent } from "../bus/event-bus.ts";
import { MemoryCluster } from "../cluster/memory-cluster.ts";
import type { WorkloadRef } from "../cluster/types.ts";
import { syncJobs } from "../jobs/sync.ts";
import { memoryDeps, type MemoryDeps } from "../testing.ts";
import { driveStudy } from "./drive.ts";
import { onTrialEvent } from "./events.ts";

/** A MemoryCluster that also serves logs, set per workload name. */
export class LoggingCluster extends MemoryCluster {
  readonly logText = new Map<string, string>();
  override async logs(...args: unknown[]): Promise<string> {
    return this.logText.get((args[0] as WorkloadRef).name) ?? "";
  }
}

export type StudyTestDeps = MemoryDeps & { cluster: LoggingCluster };

export function studyTestDeps(): StudyTestDeps {
  const deps = memoryDeps({ namespaces: ["ns"] });
  return { ...deps, cluster: new LoggingCluster() };
}

/** A study spec with one double parameter `x` in [0, 1] and a fast CPU template. */
export function testStudySpec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "st",
    hyperparameters: { x: { type: "double", min: 0, max: 1 } },
    objectives: ["accuracy"],
    trials: 6,
    parallelTrials: 2,
    trialTemplate: { namespace: "ns", image: "python:3.12-slim", command: ["python", "train.py"] },
    ...extra,
  };
}

export type Finish = { ok: true; logs?: string } | { ok: false; exitCode?: number };

/**
 * Ends the given trial jobs on the fake cluster (logs set first), runs
 * syncJobs, and returns the job.finished events that run published.
 */
export async function finishJobs(deps: StudyTestDeps, outcomes: Record<string, Finish>): Promise<JobFinishedEvent[]> {
  for (const [jobId, f] of Object.entries(outcomes)) {
    const job = await deps.store.get({ namespace: "ns", id: jobId });
    if (!job?.workload) throw new Error(`trial job ${jobId} has no workload`);
    if (f.ok) deps.cluster.logText.set(job.workload.name, f.logs ?? "");
    deps.cluster.setStatus(
      job.workload,
      f.ok
        ? { phase: "Succeeded", finishedAt: deps.clock.now().toISOString() }
        : { phase: "Failed", reason: "PodFailurePolicy", exitCode: f.exitCode ?? 1 },
    );
  }
  const before = deps.bus.messages.length;
  await syncJobs(deps);
  return deps.bus.messages
    .slice(before)
    .filter((m) => m.topic === "jobEvents")
    .map((m) => m.data as JobFinishedEvent)
    .filter((e) => e.jobId in outcomes);
}

/** The trial job ids currently in flight (created, not finished) for study `id`. */
export async function activeTrialJobs(deps: StudyTestDeps, id = "st"): Promise<string[]> {
  const study = await deps.studies.get({ namespace: "ns", id });
  return (study?.history ?? []).filter((h) => h.state === "pending").map((h) => `${id}-${h.index}`);
}

/**
 * Plays tuneStudy and the syncJobs cron over memory deps in the background,
 * for tests of clients that create a study through the API and wait for it:
 * every `study.drive` the API published is driven, every trial in flight is
 * ended as `finish` says, and its job.finished event delivered. Stop it with
 * the returned function.
 */
export function studyWorker(deps: StudyTestDeps, finish: (jobId: string) => Finish): () => Promise<void> {
  let seen = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      // Each message once, in order, as the push subscriptions deliver them to tuneStudy.
      while (seen < deps.bus.messages.length) {
        const m = deps.bus.messages[seen++]!;
        const data = m.data as { type?: string; namespace?: string; studyId?: string };
        if (m.topic === "tuning" && data.type === "study.drive")
          await driveStudy(deps, { namespace: data.namespace!, id: data.studyId! });
        if (m.topic === "jobEvents") await onTrialEvent(deps, m.data as JobFinishedEvent);
      }
      for (const study of await deps.studies.list({ namespace: "ns" })) {
        const running = await activeTrialJobs(deps, study.id);
        if (running.length) await finishJobs(deps, Object.fromEntries(running.map((j) => [j, finish(j)])));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
