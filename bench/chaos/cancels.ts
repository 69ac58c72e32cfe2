/**
 * Cancels racing submissions: for a chosen set of jobs, `cancelJob` (the
 * domain path the api function runs for `POST /jobs/{id}/cancel?namespace=`)
 * fires at a random moment after the job's first delivery is sent, within
 * about two delivery times, so it lands before the record exists (leaving a
 * tombstone the late submission must obey), while the create is in flight,
 * or after it.
 */
import { cancelJob } from "../../shared/jobs/cancel.ts";
import { CANCELLED_BEFORE_SUBMIT, type JobDeps } from "../../shared/jobs/submit.ts";
import { KineticError, isRetryable } from "../../shared/errors.ts";

export interface CancelStats {
  planned: number;
  /** The record became CANCELLED. */
  cancelled: number;
  /** …of which while still QUEUED (no workload recorded): the submission's create was racing it. */
  cancelledWhileQueued: number;
  /** …of which before any record existed: a tombstone the late submission must find. */
  tombstones: number;
  /** Answered not-found (no record, no tombstone): should not happen when the namespace is named. */
  arrivedFirst: string[];
  /** Already finished when the cancel came. */
  alreadyFinished: number;
  errors: string[];
}

export class CancelRacer {
  readonly stats: CancelStats;
  readonly cancelled = new Set<string>();
  private readonly pending: Promise<void>[] = [];
  private readonly fired = new Set<string>();
  private readonly deps: JobDeps;
  private readonly targets: Set<string>;
  private readonly windowMs: () => number;
  private readonly namespace: string;

  /** `windowMs`: cancels fire uniformly within this long after the first send (about twice a delivery's time). */
  constructor(deps: JobDeps, namespace: string, targets: Set<string>, windowMs: () => number) {
    this.deps = deps;
    this.namespace = namespace;
    this.targets = targets;
    this.windowMs = windowMs;
    this.stats = {
      planned: targets.size,
      cancelled: 0,
      cancelledWhileQueued: 0,
      tombstones: 0,
      arrivedFirst: [],
      alreadyFinished: 0,
      errors: [],
    };
  }

  onFirstSend(jobId: string | undefined): void {
    if (!jobId || !this.targets.has(jobId) || this.fired.has(jobId)) return;
    this.fired.add(jobId);
    const delay = Math.random() * this.windowMs();
    this.pending.push(new Promise((r) => setTimeout(r, delay)).then(() => this.cancel(jobId)));
  }

  /** Resolves when every cancel fired so far has answered. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async cancel(jobId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const job = await cancelJob(this.deps, { namespace: this.namespace, id: jobId }, "chaos");
        if (job.state === "CANCELLED") {
          this.stats.cancelled++;
          if (job.reason === CANCELLED_BEFORE_SUBMIT) this.stats.tombstones++;
          else if (!job.workload) this.stats.cancelledWhileQueued++;
          this.cancelled.add(jobId);
        } else this.stats.alreadyFinished++;
        return;
      } catch (err) {
        if (err instanceof KineticError && err.code === "not-found") {
          this.stats.arrivedFirst.push(jobId);
          return;
        }
        // A client retries a 503 (the emulator's transaction lock timeouts under this load); a bug is not retried.
        if (attempt >= 8 || !isRetryable(err)) {
          this.stats.errors.push(`${jobId}: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(2_000, 200 * 2 ** attempt)));
      }
    }
  }
}
