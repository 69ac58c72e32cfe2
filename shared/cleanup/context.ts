/**
 * State shared by the phases of one cleanup run: the deps, the options with
 * defaults applied, the report, the lease (renewed between pages) and what
 * earlier phases already handled, so no object is reported twice.
 */
import { KineticError } from "../errors.ts";
import type { JobDoc } from "../store/job-store.ts";
import type { Lease } from "../store/lease-store.ts";
import type { CleanupDeps, CleanupOptions, RunReport } from "./types.ts";

export interface ResolvedOptions {
  namespace?: string;
  dryRun: boolean;
  deleteStale: boolean;
  includeActive: boolean;
  ignoreTtl: boolean;
  purgeRecords: boolean;
  pageSize: number;
}

export interface RunContext {
  deps: CleanupDeps;
  options: ResolvedOptions;
  report: RunReport;
  runId: string;
  now: Date;
  lease?: Lease;
  /** jobKey() of the jobs pass 1 settled, so pass 2 does not judge their workloads again. */
  handledJobs: Set<string>;
  /** "namespace/jobIdLabel" of workloads deleted by this run (their pods go with them). */
  deletedWorkloads: Set<string>;
}

/** Thrown between pages when another run took the lease: this run must stop acting. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export async function checkpoint(ctx: RunContext): Promise<void> {
  if (ctx.lease && !(await ctx.lease.renew())) {
    throw new LeaseLostError(
      `run ${ctx.runId} lost its lease to another run; it stopped and leaves the rest to the next run`,
    );
  }
}

export function resolveOptions(options: CleanupOptions): ResolvedOptions {
  if (options.includeActive && !options.namespace) {
    throw new KineticError("invalid-argument", "deleting running or pending jobs (force) needs a namespace", {
      issues: [
        {
          field: "namespace",
          message: "required with force: it deletes running jobs, so it must be scoped to one namespace",
        },
      ],
    });
  }
  return {
    ...(options.namespace ? { namespace: options.namespace } : {}),
    dryRun: options.dryRun === true,
    deleteStale: options.deleteStale === true,
    includeActive: options.includeActive === true,
    ignoreTtl: options.ignoreTtl === true,
    purgeRecords: options.purgeRecords ?? !options.namespace,
    pageSize: Math.min(Math.max(options.pageSize ?? 200, 1), 500),
  };
}

/** The TTL that applies to a finished job now: forceCleanup wins, then the job's own, then the operator default. */
export function ttlSecondsOf(job: Pick<JobDoc, "spec"> | undefined, defaultTtlSeconds: number): number {
  const spec = job?.spec;
  if (spec?.forceCleanup === true) return 0;
  const ttl = spec?.ttlSecondsAfterFinished;
  return typeof ttl === "number" && Number.isFinite(ttl) && ttl >= 0 ? ttl : defaultTtlSeconds;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
