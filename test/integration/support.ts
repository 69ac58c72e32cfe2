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
import { JobStore } from "../../shared/store/job-store.ts";
import { RecordingBus, type EventBus } from "../../shared/bus/event-bus.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import { createAuthenticator } from "../../shared/security/auth.ts";
import type { ClusterClient } from "../../shared/cluster/types.ts";
import type { Deps } from "../../shared/deps.ts";

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function testFirestore(prefix = "kt"): Firestore {
  if (!process.env.FIRESTORE_EMULATOR_HOST)
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: run through the integration project");
  return new Firestore({ projectId: uniqueId(prefix) });
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
  store?: JobStore;
}): Deps {
  const clock = options.clock ?? systemClock;
  const config = {
    ...loadRuntimeConfig({}),
    namespacePolicy: { "*": options.namespaces },
    ...options.config,
  };
  return {
    store: options.store ?? new JobStore(testFirestore(), { clock }),
    cluster: options.cluster ?? testCluster(),
    bus: options.bus ?? new RecordingBus(),
    config,
    clock,
    log: testLog,
    auth: createAuthenticator({ staticTokens: [{ name: "tester", token: TEST_TOKEN }], allowedEmails: [] }),
  };
}
