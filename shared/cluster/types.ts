/**
 * The cluster boundary. Everything above it (handlers, domain) speaks these
 * types; implementations are the Kubernetes API (GKE or any kubeconfig) and
 * the local process runtime used by `npm start`.
 */

/** A rendered workload: the Kubernetes object Kinetic submits for one job. */
export interface Workload {
  apiVersion: "batch/v1" | "jobset.x-k8s.io/v1alpha2";
  kind: "Job" | "JobSet";
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

/** A PersistentVolumeClaim Kinetic creates for a job's data volume or model cache. */
export interface VolumeClaim {
  apiVersion: "v1";
  kind: "PersistentVolumeClaim";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Identifies a submitted workload. */
export interface WorkloadRef {
  kind: "Job" | "JobSet";
  name: string;
  namespace: string;
}

export type WorkloadPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Missing";

/** Why a workload is not running yet: the scheduler cannot place it, or a queue holds it. */
export type PendingKind = "Unschedulable" | "Queued" | "Suspended" | "Starting";

export interface WorkloadStatus {
  phase: WorkloadPhase;
  /** Set when phase is Pending. */
  pending?: { kind: PendingKind; reason: string; message: string; since?: string };
  /** Short machine reason (e.g. DeadlineExceeded, PodFailurePolicy, BackoffLimitExceeded). */
  reason?: string;
  /** Human message from the cluster (scheduler, job controller, Kueue). */
  message?: string;
  /** First non-zero container exit code among failed pods, if any. */
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Pods by phase, for progress display. */
  pods?: { pending: number; running: number; succeeded: number; failed: number };
}

export interface SubmitResult {
  /** False when the object already existed (HTTP 409): treated as already done. */
  created: boolean;
  ref: WorkloadRef;
}

export interface LogOptions {
  /** Pod index within the workload (default: all pods, in index order). */
  worker?: number;
  tailLines?: number;
  follow?: boolean;
}

/** One workload's status as read in bulk, or the error that kept it from being read. */
export type StatusResult = { status: WorkloadStatus } | { error: unknown };

/** The key statusMany answers by: "kind/namespace/name". */
export function workloadKey(ref: WorkloadRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A Kinetic-labelled object as listed by cleanup and diagnose. */
export interface ManagedObject {
  kind: string;
  apiVersion: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  createdAt?: string;
  /** For Jobs/JobSets: the finish time from status conditions, if finished. */
  finishedAt?: string;
  phase?: WorkloadPhase;
}

export interface ClusterClient {
  /** Create the workload; a 409 means it already exists and is success. */
  submit(workload: Workload): Promise<SubmitResult>;
  /** Create the claim unless one of that name exists (a shared claim, a redelivery): created false then. */
  ensureClaim?(claim: VolumeClaim): Promise<{ created: boolean }>;
  /**
   * Stops the workload's pods as a spot reclaim would (SIGTERM, then SIGKILL after the grace period) and ends it
   * as a disruption, so syncJobs resumes it as the next attempt. Local mode only: on a real cluster a
   * preemption is the cloud's doing (on the testbed, delete the node).
   */
  preempt?(ref: WorkloadRef): Promise<{ preempted: boolean }>;
  /** Server-side dry run: the API server validates without persisting. */
  dryRun(workload: Workload): Promise<void>;
  status(ref: WorkloadRef): Promise<WorkloadStatus>;
  /** Delete the workload and its pods (background propagation). Missing is success. */
  delete(ref: WorkloadRef): Promise<{ deleted: boolean }>;
  logs(ref: WorkloadRef, options?: LogOptions): Promise<string>;
  /** Stream logs until the workload ends; resolves when the stream closes. */
  followLogs?(ref: WorkloadRef, onChunk: (text: string) => void, options?: LogOptions): Promise<void>;
  /**
   * Statuses of many workloads at once, by workloadKey(): a few list calls per namespace instead of two or
   * three calls per workload. A ref that could not be read carries its error. Backends without it are read
   * one workload at a time.
   */
  statusMany?(refs: WorkloadRef[]): Promise<Map<string, StatusResult>>;
  /** List Kinetic-managed objects of the given kinds in a namespace (label selector applied server-side). */
  listManaged(namespace: string, kinds: string[], labelSelector?: string): Promise<ManagedObject[]>;
  deleteObject(obj: Pick<ManagedObject, "kind" | "apiVersion" | "name" | "namespace">): Promise<{ deleted: boolean }>;
  /**
   * Full Kinetic Job and JobSet objects (pod templates included) in a namespace ("" = all), for
   * finding which Secrets/ConfigMaps/ServiceAccounts live workloads use. Backends without templates omit it.
   */
  readWorkloads?(namespace: string): Promise<RawWorkload[]>;
}

/** A Job or JobSet as the API server returns it (only the parts Kinetic reads are typed). */
export interface RawWorkload {
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  status?: unknown;
}
