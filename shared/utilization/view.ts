/**
 * What the dashboard's utilization page shows a caller: every running
 * accelerator job in the namespaces they may see, with its idle streak and
 * per-device utilization over the check's window, and the preemptions and
 * terminations of the recent check runs in those namespaces. Bounded cost:
 * the running jobs (O(running), never O(history)), one query for the newest
 * run records, and one PromQL query per metric family the shown jobs need.
 * A metrics endpoint that fails leaves the jobs and streaks, with the reason.
 */
import { namespaceMatches } from "../jobs/namespace-policy.ts";
import { runningAcceleratorJobs } from "./check.ts";
import type { UtilizationDeps } from "./context.ts";
import { bucketCount, deviceQuery, readDevices, type DeviceReading } from "./device-readings.ts";
import { FAMILIES } from "./families.ts";
import { PodIndex, type AcceleratorJob } from "./job-shape.ts";
import { MONITORED_KINDS, type UtilizationItem } from "./types.ts";

/** Run records read per view: the newest ones (a run a minute: the last ~20 minutes deployed). */
export const RECENT_RUNS = 20;
const SHOWN_ACTIONS: ReadonlySet<UtilizationItem["action"]> = new Set(["terminated", "preempted"]);

export interface JobUtilization {
  namespace: string;
  id: string;
  accelerator: string;
  kind: "gpu" | "tpu";
  pods: number;
  /** Devices the job holds: pods × devices per pod. */
  devices: number;
  startedAt?: string;
  /** Start of the current low-utilization streak (the check's record), if any. */
  lowUtilizationSince?: string;
  idleForMs?: number;
  /** When the check would stop it, if the config terminates idle jobs and the streak goes on. */
  terminatesAfter?: string;
  /** Whether the check judges it (its namespace and kind are in the config's scope). */
  inScope: boolean;
  readings: DeviceReading[];
}

export interface UtilizationEvent extends UtilizationItem {
  runId: string;
  at: string;
}

export interface UtilizationView {
  at: string;
  settings: {
    monitoring: boolean;
    windowMs: number;
    sampleIntervalMs: number;
    lowUtilizationThreshold: number;
    terminateUnderutilized: boolean;
    terminateUnderutilizedAfterMs: number;
    /** Sparkline points per device over the window. */
    buckets: number;
  };
  metrics: { status: "ok"; queries: number } | { status: "unavailable" | "off"; message: string };
  jobs: JobUtilization[];
  /** Preemptions and terminations of the newest runs, newest first. */
  events: UtilizationEvent[];
  /** The newest run that read metrics, for "last checked". */
  lastRun?: { runId: string; status: string; startedAt: string; metricsError?: string };
}

/** `visible` says whether the caller may see a namespace (their policy patterns, or the one they asked for). */
export async function utilizationView(
  deps: UtilizationDeps,
  visible: (namespace: string) => boolean,
): Promise<UtilizationView> {
  const at = deps.clock.now();
  const [settings, running, runs] = await Promise.all([
    deps.settings(),
    runningAcceleratorJobs(deps),
    deps.utilizationRuns.listRecent(RECENT_RUNS),
  ]);
  const shown = running.filter((j) => visible(j.job.namespace));
  const buckets = bucketCount(settings.windowMs, settings.sampleIntervalMs);
  const kinds = MONITORED_KINDS[settings.profile] as readonly string[];
  const readings = new Map<AcceleratorJob, DeviceReading[]>(shown.map((j) => [j, []]));
  let metrics: UtilizationView["metrics"];
  const families = FAMILIES.filter((f) => shown.some((j) => j.kind === f.kind));
  if (!settings.enabled) {
    metrics = { status: "off", message: "utilization monitoring is off (KINETIC_RESOURCE_MONITORING_ENABLED)" };
  } else {
    try {
      const answers = await Promise.all(
        families.map(
          async (f) =>
            [f, await deps.metrics.query(deviceQuery(f, settings.windowMs, settings.sampleIntervalMs), at)] as const,
        ),
      );
      const index = new PodIndex(shown);
      for (const [family, samples] of answers)
        for (const r of readDevices(family, samples, buckets)) {
          const owner = index.jobOf(r.namespace, r.pod);
          if (owner && owner.kind === family.kind) readings.get(owner)!.push(r);
        }
      metrics = { status: "ok", queries: families.length };
    } catch (err) {
      metrics = { status: "unavailable", message: err instanceof Error ? err.message : String(err) };
    }
  }
  const jobs = shown.map((j): JobUtilization => {
    const since = j.job.lowUtilizationSince;
    const idleForMs = since ? Math.max(0, at.getTime() - Date.parse(since)) : undefined;
    return {
      namespace: j.job.namespace,
      id: j.job.id,
      accelerator: j.accelerator,
      kind: j.kind,
      pods: j.pods,
      devices: j.pods * j.countPerPod,
      ...(j.job.startedAt ? { startedAt: j.job.startedAt } : {}),
      ...(since ? { lowUtilizationSince: since, idleForMs } : {}),
      ...(since && settings.terminateUnderutilized
        ? { terminatesAfter: new Date(Date.parse(since) + settings.terminateUnderutilizedAfterMs).toISOString() }
        : {}),
      inScope:
        kinds.includes(j.kind) &&
        (!settings.targetNamespaces.length || settings.targetNamespaces.includes(j.job.namespace)),
      readings: readings.get(j) ?? [],
    };
  });
  jobs.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  const events = runs.flatMap((r) =>
    (r.items ?? [])
      .filter((i) => SHOWN_ACTIONS.has(i.action) && visible(i.namespace))
      .map((i) => ({ ...i, runId: r.runId, at: r.finishedAt ?? r.startedAt })),
  );
  const last = runs.find((r) => r.status !== "skipped");
  return {
    at: at.toISOString(),
    settings: {
      monitoring: settings.enabled,
      windowMs: settings.windowMs,
      sampleIntervalMs: settings.sampleIntervalMs,
      lowUtilizationThreshold: settings.lowUtilizationThreshold,
      terminateUnderutilized: settings.terminateUnderutilized,
      terminateUnderutilizedAfterMs: settings.terminateUnderutilizedAfterMs,
      buckets,
    },
    metrics,
    jobs,
    events,
    ...(last
      ? {
          lastRun: {
            runId: last.runId,
            status: last.status,
            startedAt: last.startedAt,
            ...(last.metricsError ? { metricsError: last.metricsError } : {}),
          },
        }
      : {}),
  };
}

/** The visibility test for a caller's policy patterns, narrowed to one namespace when they asked for it. */
export function visibleIn(patterns: readonly string[], only?: string): (namespace: string) => boolean {
  return (ns) => (only === undefined || ns === only) && patterns.some((p) => namespaceMatches(p, ns));
}
