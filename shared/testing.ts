/**
 * The testing entry point: deps for fast domain tests, every store in memory (with Firestore's
 * transaction semantics), the fake cluster, a recording bus, a manual clock
 * and a log that keeps its lines for assertions. Nothing here needs an
 * emulator or a cluster.
 */
import { ManualClock } from "./clock.ts";
import { RecordingBus } from "./bus/event-bus.ts";
import type { CleanupDeps } from "./cleanup/types.ts";
import type { Deps } from "./deps.ts";
import { createLogger } from "./log.ts";
import { loadRuntimeConfig, type RuntimeConfig } from "./runtime-config.ts";
import { createAuthenticator } from "./security/auth.ts";
import { memoryStores } from "./stores.ts";
import { MemoryCluster } from "./cluster/memory-cluster.ts";
import { cleanupDeps } from "./cleanup/cleanup-deps.ts";

export const MEMORY_TOKEN = "memory-test-token";

export type MemoryDeps = Deps & {
  cluster: MemoryCluster;
  bus: RecordingBus;
  clock: ManualClock;
  logs: Array<Record<string, unknown>>;
  docs: ReturnType<typeof memoryStores>["docs"];
};

export function memoryDeps(options: { namespaces?: string[]; config?: Partial<RuntimeConfig>; now?: string } = {}) {
  const clock = new ManualClock(options.now ?? "2026-03-01T00:00:00Z");
  const config: RuntimeConfig = {
    ...loadRuntimeConfig({}),
    namespacePolicy: { "*": options.namespaces ?? ["ns"] },
    ...options.config,
  };
  const logs: Array<Record<string, unknown>> = [];
  const stores = memoryStores({ clock, retentionDays: config.retentionDays });
  const deps: MemoryDeps = {
    ...stores,
    cluster: new MemoryCluster(),
    bus: new RecordingBus(),
    config,
    clock,
    log: createLogger({}, (line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
    logs,
    auth: createAuthenticator({ staticTokens: [{ name: "tester", token: MEMORY_TOKEN }], allowedEmails: [] }),
  };
  return deps;
}

/** The cleanup view of memory deps. */
export function memoryCleanupDeps(deps: MemoryDeps): CleanupDeps {
  return cleanupDeps(deps);
}
