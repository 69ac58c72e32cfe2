/**
 * Shared wiring for integration tests: a Firestore client on a project id of
 * the test's own (so files running in parallel never see each other's data),
 * and Deps built from the real emulators and the testbed cluster.
 */
import { randomBytes } from "node:crypto";
import { Firestore } from "@google-cloud/firestore";
import type { ManualClock } from "../../shared/clock.ts";
import { systemClock, type Clock } from "../../shared/clock.ts";
import { createLogger } from "../../shared/log.ts";
import { loadRuntimeConfig, type RuntimeConfig } from "../../shared/runtime-config.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores, type Stores } from "../../shared/stores.ts";
import { RecordingBus, type EventBus } from "../../shared/bus/event-bus.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import type { ClusterClient } from "../../shared/cluster/types.ts";
import type { Deps } from "../../shared/deps.ts";
import type { JobDoc, JobKey } from "../../shared/store/job-store.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { waitFor } from "../../testbed/index.ts";

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function testFirestore(prefix = "kt"): Firestore {
  if (!process.env.FIRESTORE_EMULATOR_HOST)
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: run through the integration project");
  return new Firestore({ projectId: uniqueId(prefix) });
}

/** Every store on a Firestore emulator project of its own. */
export function testStores(options: { clock?: Clock; retentionDays?: number; prefix?: string } = {}): Stores {
  return createStores(new FirestoreDocs(testFirestore(options.prefix)), options);
}

export function testCluster(): KubeCluster {
  const path = process.env.KINETIC_TEST_KUBECONFIG;
  if (!path) throw new Error("KINETIC_TEST_KUBECONFIG is not set: run through the integration project");
  return KubeCluster.fromFile(path);
}

/** A quiet logger for tests; set KINETIC_TEST_LOGS=1 to see handler logs. */
export const testLog = createLogger({ test: true }, (line) => {
  if (process.env.KINETIC_TEST_LOGS) process.stderr.write(line + "\n");
});

export const TEST_TOKEN = "test-token-" + randomBytes(8).toString("hex");

export function testDeps(options: {
  namespaces: string[];
  cluster?: ClusterClient;
  bus?: EventBus;
  clock?: Clock | ManualClock;
  config?: Partial<RuntimeConfig>;
  stores?: Stores;
}): Deps {
  const clock = options.clock ?? systemClock;
  const config = {
    ...loadRuntimeConfig({}),
    namespacePolicy: { "*": options.namespaces },
    ...options.config,
  };
  return {
    ...(options.stores ?? testStores({ clock })),
    cluster: options.cluster ?? testCluster(),
    bus: options.bus ?? new RecordingBus(),
    config,
    clock,
    log: testLog,
    auth: createAuthenticator({ staticTokens: [{ name: "tester", token: TEST_TOKEN }], allowedEmails: [] }),
  };
}

type JobMatch = JobDoc["state"][] | ((job: JobDoc) => boolean);
const matches = (job: JobDoc, want: JobMatch) => (Array.isArray(want) ? want.includes(job.state) : want(job));

/** Polls the store until the job matches (a list of states, or a predicate). */
export async function jobInState(deps: Deps, key: JobKey, want: JobMatch, timeoutMs = 60_000): Promise<JobDoc> {
  let last: JobDoc | undefined;
  const id = key.id;
  return waitFor(
    async () => {
      last = await deps.store.get(key);
      return last && matches(last, want) ? last : undefined;
    },
    { timeoutMs, description: `job ${id}`, lastSeen: () => `${last?.state} ${last?.reason ?? ""}` },
  );
}

/** Runs syncJobs the way the cron does, until the job matches. */
export async function syncUntil(deps: Deps, key: JobKey, want: JobMatch, timeoutMs = 90_000): Promise<JobDoc> {
  let last: JobDoc | undefined;
  const id = key.id;
  return waitFor(
    async () => {
      await syncJobs(deps);
      last = await deps.store.get(key);
      return last && matches(last, want) ? last : undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      description: `sync of job ${id}`,
      lastSeen: () => `${last?.state} ${last?.reason ?? ""} ${last?.message ?? ""}`,
    },
  );
}
