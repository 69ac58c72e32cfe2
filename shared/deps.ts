/**
 * The long-lived clients a function instance shares across invocations
 * (Firestore, Pub/Sub, the cluster), built once from the environment.
 * Tests and `npm start` install their own with `setDeps`.
 */
import { systemClock } from "./clock.ts";
import { log } from "./log.ts";
import { loadRuntimeConfig, loadWiring } from "./runtime-config.ts";
import { openFirestore } from "./store/firestore-docs.ts";
import { createStores, type Stores } from "./stores.ts";
import { lazyBus } from "./bus/lazy-bus.ts";
import { lazyCluster } from "./cluster/lazy.ts";
import { authConfigFromEnv, createAuthenticator, type Authenticator } from "./security/auth.ts";
import type { SyncDeps } from "./jobs/sync.ts";

export interface Deps extends SyncDeps, Stores {
  /** Who may call this HTTP function (the API, a cron). */
  auth: Authenticator;
  /**
   * Who may push job messages to submitJob. Deps built from the environment
   * (every deployed function) always set it; a test or local mode that
   * installs its own Deps may leave it out, since the emulator cannot sign its pushes.
   */
  pushAuth?: Authenticator;
}

let current: Promise<Deps> | undefined;

export function getDeps(): Promise<Deps> {
  current ??= buildFromEnv().catch((err: unknown) => {
    current = undefined; // let the next invocation try again
    throw err;
  });
  return current;
}

export function setDeps(deps: Deps | undefined): void {
  current = deps ? Promise.resolve(deps) : undefined;
}

async function buildFromEnv(): Promise<Deps> {
  const config = loadRuntimeConfig();
  const { projectId, databaseId, topics } = loadWiring();
  const docs = openFirestore({ ...(projectId ? { projectId } : {}), databaseId });
  // Each deployed function has its own environment, so this is its own audience and identities.
  const auth = createAuthenticator(authConfigFromEnv());
  return {
    ...createStores(docs, { clock: systemClock, retentionDays: config.retentionDays }),
    // The Kubernetes and Pub/Sub client libraries load on first use, not at cold start: a function's first
    // request may need neither (a GET of a job, a cleanup tick with nothing due), and only syncJobs publishes.
    cluster: lazyCluster(async () => (await import("./cluster/connect.ts")).connectCluster()),
    bus: lazyBus(async () => {
      const { PubSubBus } = await import("./bus/event-bus.ts");
      return new PubSubBus({ ...(projectId ? { projectId } : {}), topicNames: topics });
    }),
    config,
    clock: systemClock,
    log,
    auth,
    pushAuth: auth,
  };
}
