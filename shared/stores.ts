/**
 * Every store over one document backend: Firestore in production and the
 * integration suites, memory in unit tests. The domain depends only on the
 * store ports; this is where they are wired to a backend.
 */
import type { Clock } from "./clock.ts";
import type { CleanupSummary } from "./cleanup/types.ts";
import type { DocDb } from "./store/docs.ts";
import { DocBuildStore, type BuildStore } from "./store/build-store.ts";
import { DocJobStore, type JobStore } from "./store/job-store.ts";
import { DocLeaseStore, type LeaseStore } from "./store/lease-store.ts";
import { MemoryDocs } from "./store/memory-docs.ts";
import { CLEANUP_RUNS, DocRunStore, UTILIZATION_RUNS, type RunStore } from "./store/run-store.ts";
import { DocStudyStore, type StudyStore } from "./store/study-store.ts";
import { DocOperatorConfigStore, type OperatorConfigStore } from "./store/operator-config-store.ts";
import { DocRepoStore, DocSecretSource, type RepoStore } from "./store/repo-store.ts";
import { DocBuildRefStore, type BuildRefStore } from "./store/build-refs.ts";
import type { SecretSource } from "./security/secret-source.ts";
import { docLedger, type DeliveryLedger } from "./builds/delivery-ledger.ts";
import { DocAcceleratorJobStore, type AcceleratorJobStore } from "./store/accelerator-jobs.ts";
import type { UtilizationRunSummary } from "./utilization/types.ts";
import { systemClock } from "./clock.ts";

export interface Stores {
  /** The job store. */
  store: JobStore;
  leases: LeaseStore;
  cleanupRuns: RunStore<CleanupSummary>;
  /** Image build records (builds/{key}-{attempt}). */
  builds: BuildStore;
  /** Tuning studies and their trials (studies/{namespace}:{id}, studyTrials/{namespace}:{trial job id}). */
  studies: StudyStore;
  /** The live operator config (operatorConfig/current) and its change history; read it with `current()`. */
  operatorConfig: OperatorConfigStore;
  /** Repositories registered for push hooks (repos/{id}). */
  repos: RepoStore;
  /** Push-hook secrets in the document store (local mode, tests); deployed, the pushHook reads Secret Manager. */
  hookSecrets: SecretSource;
  /** Push-hook delivery dedupe (webhookDeliveries/{hash}, create-once, with a TTL). */
  deliveries: DeliveryLedger;
  /** Which namespaces each build was requested for (buildRefs/{namespace}:{buildId}): the builds API's scope. */
  buildRefs: BuildRefStore;
  /** Running/pending job queries and the low-utilization streak (checkUtilization). */
  acceleratorJobs: AcceleratorJobStore;
  /** checkUtilization run records (utilizationRuns/{runId}). */
  utilizationRuns: RunStore<UtilizationRunSummary>;
}

export interface StoresOptions {
  clock?: Clock;
  /** Days a finished record is kept. */
  retentionDays?: number;
}

export function createStores(docs: DocDb, options: StoresOptions = {}): Stores {
  const clock = options.clock ?? systemClock;
  const retention = options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {};
  return {
    store: new DocJobStore(docs, { clock, ...retention }),
    leases: new DocLeaseStore(docs, clock),
    cleanupRuns: new DocRunStore<CleanupSummary>(docs, CLEANUP_RUNS, retention),
    builds: new DocBuildStore(docs, { clock, ...retention }),
    studies: new DocStudyStore(docs, { clock, ...retention }),
    operatorConfig: new DocOperatorConfigStore(docs, { clock }),
    repos: new DocRepoStore(docs),
    hookSecrets: new DocSecretSource(docs),
    deliveries: docLedger(docs, clock),
    buildRefs: new DocBuildRefStore(docs),
    acceleratorJobs: new DocAcceleratorJobStore(docs),
    utilizationRuns: new DocRunStore<UtilizationRunSummary>(docs, UTILIZATION_RUNS, retention),
  };
}

/** Stores in memory, with Firestore's transaction semantics: for fast domain tests. */
export function memoryStores(options: StoresOptions = {}): Stores & { docs: MemoryDocs } {
  const docs = new MemoryDocs();
  return { ...createStores(docs, options), docs };
}
