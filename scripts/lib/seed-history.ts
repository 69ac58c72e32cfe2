/**
 * Seeds finished job records straight into Firestore (BulkWriter), shaped
 * like the ones the store writes, so benchmarks and tests can show that a
 * sweep's cost does not grow with history. Lives outside test/ because the
 * benches use it too (bench/ never imports test/).
 */
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import { JOBS, jobKey } from "../../shared/store/job-store.ts";

export interface HistoryRecord {
  id: string;
  /** ISO finish time (also created/updated). */
  at: string;
  state?: "SUCCEEDED" | "FAILED";
  namespace?: string;
  /** When Firestore's TTL may remove the record. */
  expireAtMs: number;
}

export async function seedHistory(db: Firestore, count: number, record: (i: number) => HistoryRecord): Promise<void> {
  const writer = db.bulkWriter();
  for (let i = 0; i < count; i++) {
    const r = record(i);
    const namespace = r.namespace ?? "ns";
    void writer.create(db.collection(JOBS).doc(jobKey({ namespace, id: r.id })), {
      id: r.id,
      state: r.state ?? "SUCCEEDED",
      namespace,
      accelerator: "cpu",
      createdAt: r.at,
      updatedAt: r.at,
      finishedAt: r.at,
      active: false,
      finishedEventPublished: true,
      cleanupPending: false,
      events: [],
      expireAt: Timestamp.fromMillis(r.expireAtMs),
    });
  }
  await writer.close();
}
