/**
 * The job-store queries and writes the utilization check needs, over the same
 * `jobs` collection: running and pending jobs by state (one single-field
 * equality each, served by Firestore's automatic index: O(jobs in that
 * state), never O(history)), the low-utilization streak with its flip event,
 * and the stops whose workload delete is still owed.
 */
import type { JobEvent } from "../schemas/job-record.ts";
import type { DocDb, Snapshot } from "./docs.ts";
import { JOBS, jobKey, type JobDoc, type JobKey } from "./job-store.ts";

export interface StreakChange {
  /** The new streak start, or null to end the streak. */
  lowSince: string | null;
  /** The history event of the flip (state RUNNING). */
  event: JobEvent;
}

export interface AcceleratorJobStore {
  /** Jobs in `state`, by document id, a page at a time. */
  listInState(state: "RUNNING" | "PENDING", page: { limit: number; startAfter?: JobKey }): Promise<JobDoc[]>;
  /** Jobs stopped by the utilization check whose workload delete has not succeeded yet. */
  listStopPending(limit: number): Promise<JobDoc[]>;
  /**
   * Sets or ends the low streak of a RUNNING job and appends the flip event, in one transaction: false
   * when the job is no longer RUNNING or its streak already reads so (a concurrent run flipped it).
   */
  flipStreak(key: JobKey, change: StreakChange): Promise<boolean>;
}

const MAX_EVENTS = 50;

export class DocAcceleratorJobStore implements AcceleratorJobStore {
  private readonly db: DocDb;
  constructor(db: DocDb) {
    this.db = db;
  }

  async listInState(state: "RUNNING" | "PENDING", page: { limit: number; startAfter?: JobKey }): Promise<JobDoc[]> {
    const snaps = await this.db.query(JOBS, {
      where: [{ field: "state", op: "==", value: state }],
      limit: page.limit,
      ...(page.startAfter ? { startAfter: [jobKey(page.startAfter)] } : {}),
    });
    return snaps.map(fromSnap);
  }

  async listStopPending(limit: number): Promise<JobDoc[]> {
    const snaps = await this.db.query(JOBS, { where: [{ field: "stopPending", op: "==", value: true }], limit });
    return snaps.map(fromSnap);
  }

  flipStreak(key: JobKey, change: StreakChange): Promise<boolean> {
    const id = jobKey(key);
    return this.db.transaction(async (tx) => {
      const job = (await tx.get(JOBS, id))?.data as JobDoc | undefined;
      if (!job || job.state !== "RUNNING") return false;
      if ((job.lowUtilizationSince ?? null) === change.lowSince) return false;
      const events = [...(job.events ?? []), change.event].slice(-MAX_EVENTS);
      const fields = { events, updatedAt: change.event.at };
      if (change.lowSince === null) tx.update(JOBS, id, fields, ["lowUtilizationSince"]);
      else tx.update(JOBS, id, { ...fields, lowUtilizationSince: change.lowSince });
      return true;
    });
  }
}

function fromSnap(s: Snapshot): JobDoc {
  return { events: [], ...s.data } as unknown as JobDoc;
}
