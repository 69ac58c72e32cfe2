/**
 * Demand-aware preemption. A pending job that has waited for capacity
 * (Unschedulable or Queued, counted from when it first started waiting, not
 * from creation) longer than pendingThresholdForPreemption may take the place
 * of running jobs past their soft `duration` that hold the same accelerator:
 * the same GKE accelerator type (an H100 job never preempts an L4 job),
 * Spot or not, the same TPU topology, and pods at least as large as the
 * waiting job's. Victims are taken oldest-overdue first, all or nothing (a
 * demand that cannot be covered takes no one), and no victim is claimed twice.
 * Pure planning here; the run applies the plan under its lease.
 */
import type { AcceleratorJob } from "./job-shape.ts";

export interface Demand {
  job: AcceleratorJob;
  /** When the job started waiting for capacity. */
  since: number;
}

export interface Preemption {
  demand: Demand;
  victims: AcceleratorJob[];
}

/** The pool a job's pods land in: preemption never crosses it. */
export function poolKey(j: AcceleratorJob): string {
  return [j.accelerator, j.resourceName, j.topology ?? "-", j.spot ? "spot" : "on-demand"].join("|");
}

export function overdueSince(j: AcceleratorJob): number | undefined {
  const started = Date.parse(j.job.startedAt ?? "");
  if (j.durationMs === undefined || !Number.isFinite(started)) return undefined;
  return started + j.durationMs;
}

export function planPreemptions(
  demands: Demand[],
  running: AcceleratorJob[],
  options: { now: number; thresholdMs: number },
): Preemption[] {
  const candidates = running
    .map((j) => ({ j, overdue: overdueSince(j) }))
    .filter((c): c is { j: AcceleratorJob; overdue: number } => c.overdue !== undefined && c.overdue < options.now)
    .sort((a, b) => a.overdue - b.overdue || key(a.j).localeCompare(key(b.j)));
  const claimed = new Set<string>();
  const plans: Preemption[] = [];
  const waiting = demands
    .filter((d) => options.now - d.since > options.thresholdMs)
    .sort((a, b) => a.since - b.since || key(a.job).localeCompare(key(b.job)));
  for (const demand of waiting) {
    const pool = poolKey(demand.job);
    const victims: AcceleratorJob[] = [];
    let freed = 0;
    for (const { j } of candidates) {
      if (freed >= demand.job.pods) break;
      if (claimed.has(key(j)) || poolKey(j) !== pool || j.countPerPod < demand.job.countPerPod) continue;
      victims.push(j);
      // Each victim pod frees a slot at least as large as one of the waiting job's pods.
      freed += j.pods * Math.floor(j.countPerPod / demand.job.countPerPod);
    }
    if (freed < demand.job.pods) continue; // all or nothing
    for (const v of victims) claimed.add(key(v));
    plans.push({ demand, victims });
  }
  return plans;
}

function key(j: AcceleratorJob): string {
  return `${j.job.namespace}:${j.job.id}`;
}
