/**
 * Record retention: job records (and cleanup run records) whose `expireAt`
 * has passed are deleted in pages through a BulkWriter, which paces itself
 * under Firestore's ramp-up rules. The query reads only expired documents,
 * so a run costs O(expired), never O(history). The same field drives a
 * Firestore TTL policy; this purge makes retention exact and testable (the
 * emulator does not run TTL policies).
 */
import { FieldPath, Timestamp, type BulkWriter, type DocumentSnapshot, type Query } from "@google-cloud/firestore";
import { JOBS } from "../store/job-store.ts";
import { errorMessage, checkpoint, type RunContext } from "./context.ts";

export const RUNS = "cleanupRuns";

export async function purgeExpiredRecords(ctx: RunContext): Promise<void> {
  const db = ctx.deps.store.db;
  const writer = ctx.options.dryRun ? undefined : db.bulkWriter();
  writer?.onWriteError((err) => err.code !== 9 /* FAILED_PRECONDITION: changed since read */ && err.failedAttempts < 5);
  try {
    await purgeCollection(ctx, JOBS, writer);
    await purgeCollection(ctx, RUNS, writer);
  } finally {
    await writer?.close();
  }
}

async function purgeCollection(ctx: RunContext, collection: string, writer: BulkWriter | undefined): Promise<void> {
  const { report, options } = ctx;
  const base: Query = ctx.deps.store.db
    .collection(collection)
    .where("expireAt", "<=", Timestamp.fromDate(ctx.now))
    .orderBy("expireAt")
    .orderBy(FieldPath.documentId());
  let cursor: DocumentSnapshot | undefined;
  for (;;) {
    const snap = await (cursor ? base.startAfter(cursor) : base).limit(options.pageSize).get();
    report.cost.reads += Math.max(1, snap.size);
    const pending: Array<Promise<unknown>> = [];
    for (const doc of snap.docs) {
      const data = doc.data() as { active?: boolean; cleanupPending?: boolean; status?: string };
      const kind = collection === JOBS ? "JobRecord" : "CleanupRunRecord";
      if (data.active === true || data.cleanupPending === true || data.status === "running") {
        // Its cluster objects (or its run) are not finished: deleting it would lose track of them.
        report.add({
          action: "kept",
          kind,
          name: doc.id,
          reason: "past retention, but its cleanup is not finished yet",
        });
        continue;
      }
      if (!writer) {
        report.add({ action: "would-purge", kind, name: doc.id, reason: "past the retention period (dry run)" });
        continue;
      }
      pending.push(
        writer
          .delete(doc.ref, { lastUpdateTime: doc.updateTime! })
          .then(() => {
            report.cost.deletes++;
            report.add({ action: "purged", kind, name: doc.id, reason: "past the retention period" });
          })
          .catch((err: unknown) => {
            const changed = (err as { code?: number }).code === 9;
            report.add({
              action: changed ? "kept" : "error",
              kind,
              name: doc.id,
              reason: changed ? "changed since it was read; left for the next run" : errorMessage(err),
            });
          }),
      );
    }
    if (writer) {
      await writer.flush();
      await Promise.all(pending);
    }
    if (snap.size < options.pageSize) break;
    cursor = snap.docs.at(-1);
    await checkpoint(ctx);
  }
}
