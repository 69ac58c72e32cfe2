/**
 * Record retention: job records and cleanup run records whose `expireAt` has
 * passed are deleted page by page, each only if it has not changed since it
 * was read. A record whose work is not finished (an active job, a job whose
 * cluster objects are still to delete, a run still running) is kept: deleting
 * it would lose track of that work.
 */
import type { Expiring, ExpiringRecords } from "../store/expiring.ts";
import type { JobDoc } from "../store/job-store.ts";
import { checkpoint, type RunContext } from "./context.ts";
import type { CleanupSummary } from "./types.ts";

/** Longer than any cleanup run (the function times out after 540 s) and its lease. */
const RUN_RECORD_LIVE_MS = 60 * 60_000;

export async function purgeExpiredRecords(ctx: RunContext): Promise<void> {
  await purge(
    ctx,
    ctx.deps.store,
    "JobRecord",
    (j: JobDoc) => j.active === true || j.cleanupPending === true,
    // A job is named by its id in its namespace (its document id joins the two).
    (r) => ({ name: r.record.id, namespace: r.record.namespace }),
  );
  // A run lasts at most the function's timeout; one still "running" long after that died before its final write.
  const stillRunning = (r: CleanupSummary) =>
    r.status === "running" && ctx.now.getTime() - Date.parse(r.startedAt) < RUN_RECORD_LIVE_MS;
  await purge(ctx, ctx.deps.cleanupRuns, "CleanupRunRecord", stillRunning, (r) => ({ name: r.id }));
}

async function purge<T>(
  ctx: RunContext,
  records: ExpiringRecords<T>,
  kind: string,
  unfinished: (record: T) => boolean,
  named: (r: Expiring<T>) => { name: string; namespace?: string },
): Promise<void> {
  const { report, options } = ctx;
  let after: Parameters<ExpiringRecords<T>["listExpired"]>[1]["after"];
  for (;;) {
    const page = await records.listExpired(ctx.now, { limit: options.pageSize, ...(after ? { after } : {}) });
    report.cost.reads += Math.max(1, page.length);
    const doomed = [];
    const names = new Map(page.map((r) => [r.id, { kind, ...named(r) }]));
    for (const r of page) {
      const at = names.get(r.id)!;
      if (unfinished(r.record)) {
        report.add({ action: "kept", ...at, reason: "past retention, but its cleanup is not finished yet" });
      } else if (options.dryRun) {
        report.add({ action: "would-purge", ...at, reason: "past the retention period (dry run)" });
      } else {
        doomed.push(r);
      }
    }
    for (const d of await records.deleteIfUnchanged(doomed)) {
      if (d.outcome === "deleted") report.cost.deletes++;
      const at = names.get(d.id) ?? { kind, name: d.id };
      report.add(
        d.outcome === "error"
          ? { action: "error", ...at, reason: d.error }
          : d.outcome === "changed"
            ? { action: "kept", ...at, reason: "changed since it was read; left for the next run" }
            : { action: "purged", ...at, reason: "past the retention period" },
      );
    }
    if (page.length < options.pageSize) break;
    after = page.at(-1);
    await checkpoint(ctx);
  }
}
