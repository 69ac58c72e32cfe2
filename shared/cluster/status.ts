/**
 * Derives a workload's phase from what the API server reports: the Job or
 * JobSet conditions, its pods, and the Kueue Workload when it is suspended.
 * Pure, so every case is unit-tested without a cluster.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { WorkloadStatus } from "./types.ts";

export interface WorkloadCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string | Date;
}

export type ObservedWorkload =
  | { exists: false; pods: V1Pod[] }
  | {
      exists: true;
      kind: "Job" | "JobSet";
      suspended: boolean;
      conditions: WorkloadCondition[];
      startTime?: string | Date;
      completionTime?: string | Date;
      pods: V1Pod[];
      /** The Kueue Workload's conditions, when Kueue manages this job. */
      queue?: { conditions: WorkloadCondition[] };
    };

const iso = (t: string | Date | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

export function derivePhase(o: ObservedWorkload): WorkloadStatus {
  if (!o.exists)
    return { phase: "Missing", reason: "NotFound", message: "the workload no longer exists on the cluster" };
  const pods = countPods(o.pods);
  const exitCode = firstFailureExitCode(o.pods);
  const done = o.conditions.find(
    (c) => c.status === "True" && (c.type === "Complete" || c.type === "Completed" || c.type === "Failed"),
  );
  if (done) {
    const failed = done.type === "Failed";
    return {
      phase: failed ? "Failed" : "Succeeded",
      reason: done.reason ?? (failed ? "Failed" : "Completed"),
      ...(done.message ? { message: done.message } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(o.startTime ? { startedAt: iso(o.startTime) } : {}),
      finishedAt: iso(o.completionTime ?? done.lastTransitionTime),
      pods,
    };
  }
  if (o.suspended) {
    const reserved = o.queue?.conditions.find((c) => c.type === "QuotaReserved");
    if (o.queue) {
      return {
        phase: "Pending",
        pending: {
          kind: "Queued",
          reason: reserved?.reason ?? "Pending",
          message: reserved?.message ?? "waiting in the Kueue queue for quota",
          ...(reserved?.lastTransitionTime ? { since: iso(reserved.lastTransitionTime) } : {}),
        },
        pods,
      };
    }
    return {
      phase: "Pending",
      pending: { kind: "Suspended", reason: "Suspended", message: "the workload is suspended and no queue admits it" },
      pods,
    };
  }
  if (pods.running > 0) {
    return { phase: "Running", reason: "PodsRunning", ...(o.startTime ? { startedAt: iso(o.startTime) } : {}), pods };
  }
  const unschedulable = o.pods
    .flatMap((p) => p.status?.conditions ?? [])
    .find((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
  if (unschedulable) {
    return {
      phase: "Pending",
      pending: {
        kind: "Unschedulable",
        reason: "Unschedulable",
        message: unschedulable.message ?? "no node can run this pod",
        ...(unschedulable.lastTransitionTime ? { since: iso(unschedulable.lastTransitionTime) } : {}),
      },
      pods,
    };
  }
  return {
    phase: "Pending",
    pending: { kind: "Starting", reason: "Starting", message: "pods are being created" },
    pods,
  };
}

function countPods(pods: V1Pod[]) {
  const c = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  for (const p of pods) {
    switch (p.status?.phase) {
      case "Running":
        c.running++;
        break;
      case "Succeeded":
        c.succeeded++;
        break;
      case "Failed":
        c.failed++;
        break;
      default:
        c.pending++;
    }
  }
  return c;
}

function firstFailureExitCode(pods: V1Pod[]): number | undefined {
  for (const p of pods) {
    for (const s of p.status?.containerStatuses ?? []) {
      const code = s.state?.terminated?.exitCode ?? s.lastState?.terminated?.exitCode;
      if (code !== undefined && code !== 0) return code;
    }
  }
  return undefined;
}
