/**
 * One cleanup run (the cleanupTtl cron, and Kaptain's clean / clean-all /
 * delete-completed on demand): take the lease or exit "skipped", recognise a
 * retried tick by its run id, run the passes (due records → cluster
 * workloads → stale resources → record retention), then write the summary
 * to the log and to `cleanupRuns/{runId}` and free the lease.
 */
import { randomBytes } from "node:crypto";
import { KineticError } from "../errors.ts";
import { LeaseLostError, errorMessage, resolveOptions, type RunContext } from "./context.ts";
import { purgeExpiredRecords } from "./retention.ts";
import { sweepStaleResources } from "./stale-resources.ts";
import { sweepClusterWorkloads, sweepDueRecords } from "./workloads.ts";
import { RunReport, emptyCounts, type CleanupDeps, type CleanupOptions, type CleanupSummary } from "./types.ts";

export const LEASE_NAME = "cleanupTtl";
export const DEFAULT_LEASE_MS = 10 * 60_000;
const LOGGED_ITEMS = 100;

/** A run id for a scheduler tick: the schedule time, so every delivery of one tick shares it. */
export function tickRunId(scheduleTime: string): string {
  const ms = Date.parse(scheduleTime);
  if (Number.isNaN(ms)) {
    throw new KineticError(
      "invalid-argument",
      `X-CloudScheduler-ScheduleTime is not a timestamp: ${JSON.stringify(scheduleTime.slice(0, 40))}`,
      {
        issues: [{ field: "X-CloudScheduler-ScheduleTime", message: "expected an RFC 3339 timestamp" }],
      },
    );
  }
  return `tick-${new Date(ms).toISOString()}`;
}

export function manualRunId(now: Date): string {
  return `manual-${now.toISOString()}-${randomBytes(3).toString("hex")}`;
}

export async function runCleanup(deps: CleanupDeps, input: CleanupOptions = {}): Promise<CleanupSummary> {
  const options = resolveOptions(input);
  const startedAt = deps.clock.now();
  const runId = input.runId ?? manualRunId(startedAt);
  const trigger = input.trigger ?? "manual";
  const publicOptions = {
    ...(options.namespace ? { namespace: options.namespace } : {}),
    dryRun: options.dryRun,
    deleteStale: options.deleteStale,
    includeActive: options.includeActive,
    ignoreTtl: options.ignoreTtl,
    purgeRecords: options.purgeRecords,
  };
  const log = deps.log.child({ cleanupRunId: runId });
  const report = new RunReport();
  const summary = (status: CleanupSummary["status"], message?: string): CleanupSummary => ({
    runId,
    status,
    trigger,
    dryRun: options.dryRun,
    options: publicOptions,
    startedAt: startedAt.toISOString(),
    ...(status !== "running" ? { finishedAt: deps.clock.now().toISOString() } : {}),
    counts: report.counts,
    items: report.items,
    itemsTruncated: report.truncated,
    cost: report.cost,
    ...(message ? { message } : {}),
  });

  const taken = await deps.leases.acquire(LEASE_NAME, runId, { ttlMs: input.leaseMs ?? DEFAULT_LEASE_MS });
  if (!taken.acquired) {
    const h = taken.holder;
    const result = summary(
      "skipped",
      `another cleanup run (${h.runId}) holds the lease until ${h.expiresAt.toISOString()}`,
    );
    // A second delivery of the same tick must not overwrite the record of the run that is acting.
    if (h.runId !== runId) await deps.cleanupRuns.create(result);
    log.info("cleanup run skipped: another run is active", { holder: h.runId, status: "skipped" });
    return result;
  }
  const lease = taken.lease;
  try {
    const prior = await deps.cleanupRuns.get(runId);
    if (prior?.status === "completed") {
      // A retried delivery of a tick that already ran: report what that run did, do nothing again.
      const rest = prior;
      log.info("cleanup run is a duplicate of a finished run", { status: "duplicate" });
      return {
        ...rest,
        status: "duplicate",
        message: `run ${runId} already completed at ${prior.finishedAt ?? "?"}; nothing done again`,
        counts: { ...emptyCounts(), ...rest.counts },
      };
    }
    if (taken.tookOverFrom && taken.tookOverFrom !== runId) {
      await deps.cleanupRuns.markInterrupted(
        taken.tookOverFrom,
        `stopped without finishing; run ${runId} took over and completes its work`,
      );
    }
    await deps.cleanupRuns.put(
      summary("running", prior ? `resumed after run ${runId} stopped without finishing` : undefined),
    );

    // The lease transaction, the run record read and its two writes (release adds one more read and delete).
    report.cost.reads += 3;
    report.cost.writes += 3;
    report.cost.deletes += 1;
    const ctx: RunContext = {
      deps,
      options,
      report,
      runId,
      now: startedAt,
      lease,
      handledJobs: new Set(),
      deletedWorkloads: new Set(),
    };
    let final: CleanupSummary;
    try {
      await sweepDueRecords(ctx);
      const workloads = await sweepClusterWorkloads(ctx);
      await sweepStaleResources(ctx, workloads);
      if (options.purgeRecords) await purgeExpiredRecords(ctx);
      final = summary("completed");
    } catch (err) {
      const lost = err instanceof LeaseLostError;
      final = summary(lost ? "interrupted" : "failed", errorMessage(err));
      log.error("cleanup run stopped early; the next run continues from where it stopped", { error: err });
    }
    await deps.cleanupRuns.put(final);
    logSummary(log, final);
    return final;
  } finally {
    await lease
      .release()
      .catch((err: unknown) => log.warn("could not release the cleanup lease; it expires by itself", { error: err }));
  }
}

function logSummary(log: CleanupDeps["log"], s: CleanupSummary): void {
  const fields = {
    status: s.status,
    dryRun: s.dryRun,
    options: s.options,
    counts: s.counts,
    cost: s.cost,
    items: s.items.slice(0, LOGGED_ITEMS),
    itemsNotLogged: Math.max(0, s.items.length - LOGGED_ITEMS) + s.itemsTruncated,
    // Not "message": a field of that name would replace the log entry's own message.
    ...(s.message ? { detail: s.message } : {}),
  };
  if (s.status === "completed") log.info("cleanup run finished", fields);
  else log.warn(`cleanup run ${s.status}`, fields);
}
