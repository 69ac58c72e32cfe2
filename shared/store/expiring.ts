/**
 * Retention for any collection whose records carry `expireAt`: list the
 * expired ones (oldest first, O(expired), never O(history)) and delete each
 * only if it has not changed since it was read. The same field drives a
 * Firestore TTL policy; this purge makes retention exact and testable (the
 * emulator does not run TTL policies).
 */
import type { DeleteOutcome, DocDb } from "./docs.ts";

/** An expired record as read, with the version its deletion is conditional on. */
export interface Expiring<T> {
  id: string;
  record: T;
  version: string;
  expireAt: Date;
}

export interface ExpiringRecords<T> {
  listExpired(now: Date, page: { limit: number; after?: Expiring<T> }): Promise<Array<Expiring<T>>>;
  deleteIfUnchanged(records: Array<Expiring<T>>): Promise<DeleteOutcome[]>;
}

export function expiringRecords<T>(db: DocDb, collection: string): ExpiringRecords<T> {
  return {
    async listExpired(now, page) {
      const snaps = await db.query(collection, {
        where: [{ field: "expireAt", op: "<=", value: now }],
        orderBy: [{ field: "expireAt", dir: "asc" }],
        limit: page.limit,
        ...(page.after ? { startAfter: [page.after.expireAt, page.after.id] } : {}),
      });
      return snaps.map((s) => ({
        id: s.id,
        record: s.data as T,
        version: s.version,
        expireAt: s.data.expireAt as Date,
      }));
    },
    deleteIfUnchanged(records) {
      return db.deleteIfUnchanged(
        collection,
        records.map((r) => ({ id: r.id, version: r.version })),
      );
    },
  };
}
