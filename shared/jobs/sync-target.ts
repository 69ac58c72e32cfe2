/**
 * What syncJobs makes of a workload's observed status: the move of its job
 * (with the pending timeouts and the demand clock preemption counts from),
 * whether the workload must go, and the attempts bookkeeping joined to it.
 * Pure: it reads nothing and writes nothing.
 */
import type { JobState } from "../schemas/job-state.ts";
import type { WorkloadStatus } from "../cluster/types.ts";
import type { JobDoc } from "../store/job-store.ts";
import type { RuntimeConfig } from "../runtime-config.ts";
import type { JobDeps } from "./submit.ts";
import { attemptsPatch } from "./attempts.ts";

export interface Target {
  transition: Parameters<JobDeps["store"]["transition"]>[1];
  deleteWorkload?: boolean;
}

/**
 * The attempts bookkeeping joins the move, and the move applies only while the record still names the
 * workload it was read from: a sync that read an attempt a resume has since replaced changes nothing.
 */
export function withAttempts(job: JobDoc, status: WorkloadStatus, target: Target, now: Date): Target {
  const attempts = attemptsPatch(job, status, now);
  const readName = job.workload?.name;
  return {
    ...target,
    transition: {
      ...target.transition,
      when: (current: JobDoc) => current.workload?.name === readName,
      ...(attempts ? { patch: { ...target.transition.patch, attempts } } : {}),
    },
  };
}

export function targetOf(
  job: JobDoc,
  status: WorkloadStatus,
  ctx: { config: Pick<RuntimeConfig, "unschedulableTimeoutSeconds" | "queueTimeoutSeconds">; now: Date },
): Target {
  const { config, now } = ctx;
  switch (status.phase) {
    case "Missing":
      return {
        transition: { to: "FAILED", reason: "WorkloadMissing", message: "the workload was deleted outside Kinetic" },
      };
    case "Succeeded":
      return {
        transition: {
          to: "SUCCEEDED",
          reason: status.reason ?? "Completed",
          ...(status.message ? { message: status.message } : {}),
          patch: times(status),
        },
      };
    case "Failed":
      return {
        transition: {
          to: "FAILED",
          reason: status.reason ?? "Failed",
          message: status.message ?? "the workload failed",
          patch: { ...times(status), ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}) },
        },
      };
    case "Running":
      return {
        transition: {
          to: "RUNNING",
          reason: "Running",
          message: podSummary(status),
          patch: { startedAt: job.startedAt ?? status.startedAt ?? now.toISOString() },
        },
      };
    case "Pending": {
      const pending = status.pending ?? { kind: "Starting" as const, reason: "Starting", message: "" };
      // The clock for a pending timeout starts when this kind of waiting started.
      const since = job.pendingKind === pending.kind && job.pendingSince ? job.pendingSince : now.toISOString();
      const waited = (now.getTime() - Date.parse(since)) / 1000;
      const limit =
        pending.kind === "Unschedulable"
          ? config.unschedulableTimeoutSeconds
          : pending.kind === "Queued"
            ? config.queueTimeoutSeconds
            : undefined;
      if (limit !== undefined && waited > limit) {
        return {
          deleteWorkload: true,
          transition: {
            to: "FAILED",
            reason: pending.kind === "Unschedulable" ? "UnschedulableTimeout" : "QueueTimeout",
            message: `pending (${pending.kind}) for ${Math.round(waited)} s, over the ${limit} s limit: ${pending.message}`,
          },
        };
      }
      const to: JobState = job.state === "RUNNING" ? "RUNNING" : "PENDING";
      return {
        transition: {
          to,
          reason: to === "PENDING" ? pending.reason : (job.reason ?? "Running"),
          message: to === "PENDING" ? pending.message : (job.message ?? ""),
          patch: {
            pendingKind: pending.kind,
            pendingSince: since,
            // Demand-aware preemption counts from the first wait for capacity, whatever kind follows it.
            ...(!job.demandSince && (pending.kind === "Unschedulable" || pending.kind === "Queued")
              ? { demandSince: since }
              : {}),
          },
        },
      };
    }
  }
}

function times(status: WorkloadStatus) {
  return {
    ...(status.startedAt ? { startedAt: status.startedAt } : {}),
    ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}),
  };
}

function podSummary(status: WorkloadStatus): string {
  const p = status.pods;
  return p ? `${p.running} running, ${p.succeeded} succeeded, ${p.failed} failed, ${p.pending} pending` : "running";
}
