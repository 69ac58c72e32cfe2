/**
 * The long-lived clients a function instance shares across invocations
 * (Firestore, Pub/Sub, the cluster), built once from the environment.
 * Tests and `npm start` install their own with `setDeps`.
 */
import { systemClock } from "./clock.ts";
import { KineticError } from "./errors.ts";
import { log } from "./log.ts";
import { loadRuntimeConfig, loadWiring } from "./runtime-config.ts";
import { openFirestore } from "./store/firestore-docs.ts";
import { createStores, type Stores } from "./stores.ts";
import type { OperatorConfigStore } from "./store/operator-config-store.ts";
import { lazyBus } from "./bus/lazy-bus.ts";
import { lazyCluster } from "./cluster/lazy.ts";
import { createOutputReader, type OutputReader } from "./outputs/reader.ts";
import { authConfigFromEnv, createAuthenticator, type Authenticator } from "./security/auth.ts";
import type { SyncDeps } from "./jobs/sync.ts";
import { createImageDeps, loadBuildSettings } from "./builds/image-deps.ts";

export interface Deps extends SyncDeps, Stores {
  /** The live operator config: the store (Stores), which the domain reads as a source (JobDeps). */
  operatorConfig: OperatorConfigStore;
  /** Who may call this HTTP function (the API, a cron). */
  auth: Authenticator;
  /**
   * Who may push job messages to submitJob. Deps built from the environment
   * (every deployed function) always set it; a test or local mode that
   * installs its own Deps may leave it out, since the emulator cannot sign its pushes.
   */
  pushAuth?: Authenticator;
  /** Reads jobs' durable outputs (Cloud Storage, or local folders in local mode); absent: no credentials. */
  outputs?: OutputReader;
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
  const deps: Deps = {
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
    // A local Cloud Storage server (STORAGE_EMULATOR_HOST, as Google's libraries read it) takes no token.
    outputs: process.env.STORAGE_EMULATOR_HOST
      ? createOutputReader({ endpoint: process.env.STORAGE_EMULATOR_HOST })
      : createOutputReader({ token: googleAccessToken() }),
  };
  // Jobs that name a build (and the build functions): the builder the deployment is configured with.
  const images = createImageDeps(loadBuildSettings(), { ...deps, projectId, token: googleAccessToken() });
  return images ? { ...deps, images } : deps;
}

/** An OAuth access token from Application Default Credentials; the library loads on the first call. */
function googleAccessToken(): () => Promise<string> {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import("google-auth-library").then(
      ({ GoogleAuth }) => new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }),
    );
    const token = await (await auth).getAccessToken();
    if (!token) throw new KineticError("unavailable", "no Google access token (Application Default Credentials)");
    return token;
  };
}
