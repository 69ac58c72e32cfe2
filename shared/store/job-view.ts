/** The public view of a stored job: what the API returns, without the store's bookkeeping fields. */
import type { JobRecord } from "../schemas/job-record.ts";
import type { JobDoc } from "./job-store.ts";

export function toRecord(job: JobDoc, options: { events?: boolean } = {}): JobRecord {
  const {
    active: _a,
    source: _s,
    pendingSince: _p,
    pendingKind: _k,
    demandSince: _ds,
    preemptionRequestedAt: _pr,
    stopPending: _sp,
    finishedEventPublished: _f,
    finishedEventClaimUntil: _fc,
    cleanupPending: _c,
    cleanupDueAt: _d,
    expireAt: _e,
    events,
    ...record
  } = job;
  return options.events ? { ...record, events } : record;
}
