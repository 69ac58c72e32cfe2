/**
 * One checkUtilization run (the cron, or an operator's manual run): take the
 * lease or exit "skipped" (one runner at a time, so no victim is preempted
 * twice), read the settings fresh, finish stops whose delete failed before,
 * judge utilization, preempt for waiting jobs, then leave the summary in the
 * log and in `utilizationRuns/{runId}` and free the lease.
 */
import { randomBytes } from "node:crypto";
import { checkUtilization, runningAcceleratorJobs } from "./check.ts";
import { RunState, type UtilizationDeps } from "./context.ts";
import { preemptForDemand } from "./preempt-run.ts";
import { completeStop } from "./stop.ts";
import type { UtilizationRunStatus, UtilizationRunSummary } from "./types.ts";

export type { UtilizationDeps } from "./context.ts";

export const UTILIZATION_LEASE = "checkUtilization";
const LEASE_MS = 5 * 60_000;

export async function runUtilizationCheck(
  deps: UtilizationDeps,
  options: { runId?: string; trigger?: string; leaseMs?: number } = {},
): Promise<UtilizationRunSummary> {
  const startedAt = deps.clock.now();
  const runId = options.runId ?? `manual-${startedAt.toISOString()}-${randomBytes(3).toString("hex")}`;
  const before = { ...deps.store.stats };
  const settings = await deps.settings();
  const run = new RunState(settings);
  const summary = (status: UtilizationRunStatus, message?: string): UtilizationRunSummary => ({
    runId,
    status,
    trigger: options.trigger ?? "manual",
    startedAt: startedAt.toISOString(),
    ...(status !== "running" ? { finishedAt: deps.clock.now().toISOString() } : {}),
    settings,
    counts: run.counts,
    queries: run.queries,
    ...(run.metricsError ? { metricsError: run.metricsError } : {}),
    items: run.items,
    cost: { reads: deps.store.stats.reads - before.reads, writes: deps.store.stats.writes - before.writes },
    ...(message ? { message } : {}),
  });
  const log = deps.log.child({ utilizationRunId: runId });
  const taken = await deps.leases.acquire(UTILIZATION_LEASE, runId, { ttlMs: options.leaseMs ?? LEASE_MS });
  if (!taken.acquired) {
    const h = taken.holder;
    const result = summary("skipped", `another run (${h.runId}) holds the lease until ${h.expiresAt.toISOString()}`);
    if (h.runId !== runId) await deps.utilizationRuns.create(result);
    log.info("utilization run skipped: another run is active", { holder: h.runId });
    return result;
  }
  try {
    const prior = await deps.utilizationRuns.get(runId);
    if (prior && prior.status !== "running" && prior.status !== "skipped") {
      log.info("utilization run is a repeat of a finished run; nothing done again", { status: prior.status });
      return prior;
    }
    let final: UtilizationRunSummary;
    try {
      await finishOwedStops(deps, run);
      const running = await runningAcceleratorJobs(deps);
      if (settings.enabled) await checkUtilization(deps, run, running);
      await preemptForDemand(deps, run, running);
      const note = settings.enabled
        ? undefined
        : "monitoring is off (KINETIC_RESOURCE_MONITORING_ENABLED); preemption only";
      final = run.metricsError ? summary("partial", "metrics unavailable: nothing judged") : summary("completed", note);
    } catch (err) {
      final = summary("failed", err instanceof Error ? err.message : String(err));
      log.error("utilization run failed; the next run starts over", { error: err });
    }
    await deps.utilizationRuns.put(final);
    const fields = { status: final.status, counts: final.counts, queries: final.queries, cost: final.cost };
    if (final.status === "completed") log.info("utilization run finished", fields);
    else
      log.warn(`utilization run ${final.status}`, {
        ...fields,
        detail: final.message,
        metricsError: final.metricsError,
      });
    return final;
  } finally {
    await taken.lease
      .release()
      .catch((err: unknown) => log.warn("could not release the utilization lease", { error: err }));
  }
}

/** Stops whose workload delete failed in an earlier run. */
async function finishOwedStops(deps: UtilizationDeps, run: RunState): Promise<void> {
  for (const job of await deps.acceleratorJobs.listStopPending(100)) {
    try {
      await completeStop(deps, job);
    } catch (err) {
      run.counts.errors++;
      run.item({
        action: "error",
        namespace: job.namespace,
        jobId: job.id,
        reason: `workload delete still failing: ${String(err)}`,
      });
    }
  }
}
