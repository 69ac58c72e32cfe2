/**
 * The long-lived clients a function instance shares across invocations
 * (Firestore, Pub/Sub, the cluster), built once from the environment.
 * Tests and `npm start` install their own with `setDeps`.
 */
import { systemClock } from "./clock.ts";
import { log } from "./log.ts";
import { loadRuntimeConfig } from "./runtime-config.ts";
import { openFirestore } from "./store/firestore-docs.ts";
import { createStores, type Stores } from "./stores.ts";
import { PubSubBus } from "./bus/event-bus.ts";
import { connectCluster } from "./cluster/connect.ts";
import { authConfigFromEnv, createAuthenticator, type Authenticator } from "./security/auth.ts";
import type { SyncDeps } from "./jobs/sync.ts";

export interface Deps extends SyncDeps, Stores {
  auth: Authenticator;
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
  const projectId = process.env.KINETIC_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  const docs = openFirestore(projectId ? { projectId } : {});
  return {
    ...createStores(docs, { clock: systemClock, retentionDays: config.retentionDays }),
    cluster: await connectCluster(),
    bus: new PubSubBus(projectId ? { projectId } : {}),
    config,
    clock: systemClock,
    log,
    auth: createAuthenticator(authConfigFromEnv()),
  };
}
