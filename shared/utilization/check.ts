/**
 * The utilization pass of a run: running accelerator jobs from the store
 * (O(running jobs), never O(history)), ONE PromQL query per metric family
 * for all of them, a verdict per job, the low streak stored on the job
 * (written only when it flips, with an event), and idle jobs stopped when
 * the operator config says so. A metrics endpoint that fails judges nothing,
 * flips nothing and stops nothing: the run record says why.
 */
import { FAMILIES, familyQuery, readFamily, type MetricFamily } from "./families.ts";
import { acceleratorShape, PodIndex, type AcceleratorJob } from "./job-shape.ts";
import { judge } from "./verdict.ts";
import { stopJob } from "./stop.ts";
import { MONITORED_KINDS, type PodStats, type UtilizationSettings, type Verdict } from "./types.ts";
import type { RunState, UtilizationDeps } from "./context.ts";
import { forEachLimit } from "../concurrency.ts";

const PAGE = 500;

/** Every RUNNING job with an accelerator (CPU jobs are read and dropped: still O(running)). */
export async function runningAcceleratorJobs(deps: UtilizationDeps): Promise<AcceleratorJob[]> {
  const out: AcceleratorJob[] = [];
  for (let after: AcceleratorJob["job"] | undefined; ;) {
    const page = await deps.acceleratorJobs.listInState("RUNNING", {
      limit: PAGE,
      ...(after ? { startAfter: after } : {}),
    });
    for (const job of page) {
      const shape = acceleratorShape(job);
      if (shape) out.push(shape);
    }
    if (page.length < PAGE) return out;
    after = page.at(-1);
  }
}

export async function checkUtilization(deps: UtilizationDeps, run: RunState, running: AcceleratorJob[]): Promise<void> {
  const s = run.settings;
  const kinds = MONITORED_KINDS[s.profile] as readonly string[];
  const inScope = running.filter(
    (j) => kinds.includes(j.kind) && (!s.targetNamespaces.length || s.targetNamespaces.includes(j.job.namespace)),
  );
  run.counts.checked = inScope.length;
  if (!inScope.length) return;
  const families = FAMILIES.filter((f) => inScope.some((j) => j.kind === f.kind));
  const stats = new Map<AcceleratorJob, Map<MetricFamily, PodStats[]>>(inScope.map((j) => [j, new Map()]));
  const index = new PodIndex(inScope);
  const at = deps.clock.now();
  try {
    const answers = await Promise.all(
      families.map(async (f) => {
        run.queries++;
        return [f, await deps.metrics.query(familyQuery(f, s.windowMs), at)] as const;
      }),
    );
    for (const [family, samples] of answers) {
      const reading = readFamily(family, samples);
      run.counts.seriesWithoutPod += reading.seriesWithoutPod;
      for (const [nsPod, podStats] of reading.pods) {
        const slash = nsPod.indexOf("/");
        const owner = index.jobOf(nsPod.slice(0, slash), nsPod.slice(slash + 1));
        const perFamily = owner && owner.kind === family.kind ? stats.get(owner) : undefined;
        if (!perFamily) {
          run.counts.podsWithoutJob++;
          continue;
        }
        perFamily.set(family, [...(perFamily.get(family) ?? []), podStats]);
      }
    }
  } catch (err) {
    run.metricsError = err instanceof Error ? err.message : String(err);
    deps.log.warn("utilization: metrics unavailable; nothing judged, nothing stopped", { error: run.metricsError });
    return;
  }
  await forEachLimit(inScope, 32, async (job) => {
    try {
      await settle(deps, run, job, judge(job, stats.get(job)!, s, at), at);
    } catch (err) {
      run.counts.errors++;
      run.item({ action: "error", namespace: job.job.namespace, jobId: job.job.id, reason: String(err) });
      deps.log.warn("utilization: job not settled; next run retries", { jobId: job.job.id, error: err });
    }
  });
}

/** Streak bookkeeping and idle termination for one job. */
async function settle(deps: UtilizationDeps, run: RunState, j: AcceleratorJob, v: Verdict, now: Date): Promise<void> {
  run.counts[v.kind]++;
  const s: UtilizationSettings = run.settings;
  const job = j.job;
  const iso = now.toISOString();
  const wasLow = job.lowUtilizationSince;
  if (v.kind === "idle") {
    // The window just read was all low, so the streak began at its start at the latest.
    const lowSince = wasLow ?? new Date(now.getTime() - s.windowMs).toISOString();
    if (!wasLow) {
      const message = `every device below ${s.lowUtilizationThreshold}% for the last ${s.windowMs / 1000} s (peak ${v.peak}%)`;
      const flipped = await deps.acceleratorJobs.flipStreak(job, {
        lowSince,
        event: { at: iso, state: "RUNNING", reason: "UtilizationLow", message },
      });
      if (flipped) {
        run.counts.flippedLow++;
        run.item({ action: "flipped-low", namespace: job.namespace, jobId: job.id, reason: message });
      }
    }
    const idleMs = now.getTime() - Date.parse(lowSince);
    if (s.terminateUnderutilized && idleMs > s.terminateUnderutilizedAfterMs) {
      const message = `idle for ${Math.round(idleMs / 1000)} s (every device below ${s.lowUtilizationThreshold}% since ${lowSince}), over terminateUnderutilizedAfter ${s.terminateUnderutilizedAfterMs / 1000} s; volumes and claims are kept`;
      if (await stopJob(deps, job, "Underutilized", message)) {
        run.stopped.add(`${job.namespace}:${job.id}`);
        run.counts.terminated++;
        run.item({ action: "terminated", namespace: job.namespace, jobId: job.id, reason: message });
      }
    }
    return;
  }
  if (!wasLow) return;
  // Busy ends the streak; so does unknown: only a continuous run of full, low windows counts as idle time.
  const message =
    v.kind === "busy"
      ? `a device reached ${v.peak}% (threshold ${s.lowUtilizationThreshold}%)`
      : `no verdict: ${v.why}`;
  const flipped = await deps.acceleratorJobs.flipStreak(job, {
    lowSince: null,
    event: {
      at: iso,
      state: "RUNNING",
      reason: v.kind === "busy" ? "UtilizationNormal" : "UtilizationUnknown",
      message,
    },
  });
  if (flipped) {
    run.counts.flippedBack++;
    run.item({ action: "flipped-back", namespace: job.namespace, jobId: job.id, reason: message });
  }
}
