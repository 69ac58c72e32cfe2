/**
 * The whole of Kinetic on 127.0.0.1, as `npm start` runs it: the Firestore
 * and Pub/Sub emulators, the topics and push subscriptions, every function of
 * functions/deploy.ts served by functions-framework (in this process, each
 * on its own port, sharing one set of Deps), the crons on a local interval,
 * and a cluster backend (the local process runtime, or a kubeconfig).
 *
 * The functions get their Deps through setDeps, so they run the same code as
 * in the cloud and cannot tell which cluster backend is behind ClusterClient.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Firestore } from "@google-cloud/firestore";
import { PubSub } from "@google-cloud/pubsub";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { FUNCTIONS, triggerTopics, type FunctionSpec } from "../../functions/deploy.ts";
import { TOPICS, deadLetterTopicName } from "../../shared/bus/topics.ts";
import { PubSubBus } from "../../shared/bus/event-bus.ts";
import { systemClock } from "../../shared/clock.ts";
import { KubeCluster } from "../../shared/cluster/kube.ts";
import { LocalRuntime } from "./local-runtime.ts";
import type { ClusterClient } from "../../shared/cluster/types.ts";
import { setDeps, type Deps } from "../../shared/deps.ts";
import type { Logger } from "../../shared/log.ts";
import { loadRuntimeConfig } from "../../shared/runtime-config.ts";
import { authConfigFromEnv, createAuthenticator } from "../../shared/security/auth.ts";
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { createStores } from "../../shared/stores.ts";
import { startEmulators } from "./emulators.ts";
import { startLocalBuilds } from "./local-builds.ts";
import { craneUnpacker } from "./local-images.ts";
import { buildsPaths } from "./oci-registry.ts";
import { freePort } from "./processes.ts";
import { prometheusBinary, startPrometheus } from "./prometheus.ts";
import { closeServer, runStopSteps, type StopStep } from "./shutdown.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export type ClusterChoice = { kind: "local" } | { kind: "kubeconfig"; path: string };

export interface LocalStackOptions {
  dataDir: string;
  project: string;
  cluster: ClusterChoice;
  /** Port of the api function (the HTTP API); free-picked when absent. */
  apiPort?: number;
  /** How often the scheduled functions (syncJobs, cleanupTtl) run. */
  cronIntervalMs: number;
  /** Where the functions' structured logs go. */
  log: Logger;
  /** One line of progress for the person watching. */
  say: (line: string) => void;
}

export interface ServedFunction {
  spec: FunctionSpec;
  url: string;
}

export class LocalStack {
  readonly options: LocalStackOptions;
  /** Generated per start: the bearer token for the HTTP API (principal "local"). */
  readonly token = randomBytes(24).toString("base64url");
  readonly functions = new Map<string, ServedFunction>();
  readonly skipped: FunctionSpec[] = [];
  cluster?: ClusterClient;
  runtime?: LocalRuntime;
  deps?: Deps;
  /** host:port of the local OCI registry built images are pushed to (when image builds are on). */
  registry?: string | undefined;
  private readonly stoppers: StopStep[] = [];
  private stopping?: Promise<void>;

  constructor(options: LocalStackOptions) {
    this.options = options;
  }

  get apiUrl(): string {
    const api = this.functions.get("api");
    if (!api) throw new Error("the api function is not served");
    return api.url;
  }

  get outputRoot(): string {
    return join(this.options.dataDir, "outputs");
  }

  async start(): Promise<void> {
    const { dataDir, project, say } = this.options;
    say(`Starting the Firestore and Pub/Sub emulators (data and logs in ${join(dataDir, "emulators")}) …`);
    // Importing the function modules (and their SDKs) overlaps with the JVMs starting.
    const [emulators] = await Promise.all([
      startEmulators({ dataDir: join(dataDir, "emulators"), project }),
      this.importFunctions(),
    ]);
    // Their stop escalates from SIGTERM to SIGKILL after 5 s: give it that long.
    this.stoppers.push({ what: "emulators", stop: () => emulators.stop(), timeoutMs: 7_000 });
    // The Google client libraries read these; nothing in this process talks to real Google Cloud,
    // so they must not probe for a GCE metadata server either.
    Object.assign(process.env, emulators.env, { METADATA_SERVER_DETECTION: "none", GOOGLE_CLOUD_PROJECT: project });
    say(`  Firestore emulator  ${emulators.firestoreHost}`);
    say(`  Pub/Sub emulator    ${emulators.pubsubHost}`);

    this.cluster = this.connectCluster();
    const db = new Firestore({ projectId: project });
    const bus = new PubSubBus({ projectId: project });
    this.stoppers.push({
      what: "clients",
      stop: async () => void (await Promise.allSettled([db.terminate(), bus.close()])),
    });
    const config = loadRuntimeConfig({
      // One user on one machine: the local operator may use every namespace unless told otherwise.
      KINETIC_NAMESPACE_POLICY: '{"*":["*"]}',
      ...process.env,
      ...(this.runtime && !process.env.KINETIC_OUTPUT_DIR_BASE ? { KINETIC_OUTPUT_DIR_BASE: this.outputRoot } : {}),
    });
    const fromEnv = authConfigFromEnv();
    this.deps = {
      ...createStores(new FirestoreDocs(db), { retentionDays: config.retentionDays }),
      cluster: this.cluster,
      bus,
      config,
      clock: systemClock,
      log: this.options.log,
      auth: createAuthenticator({
        ...fromEnv,
        staticTokens: [{ name: "local", token: this.token }, ...fromEnv.staticTokens],
      }),
    };
    // Jobs that name a build: crane into the local registry (buildImage runs them, as Cloud Build would deployed).
    const builds = await startLocalBuilds(this.deps, say);
    this.stoppers.push({ what: "local registry", stop: () => builds.stop() });
    if (builds.images) this.deps.images = builds.images;
    this.registry = builds.registry;
    await this.startMetrics();
    setDeps(this.deps);

    await this.serveFunctions();
    // Push hooks: `kinetic repos add` prints <pushHook URL>/hooks/<id>; one machine, so `kinetic build DIR` may
    // hand the API a directory (a deployed API cannot read the caller's disk).
    const hook = this.functions.get("pushHook");
    if (hook && !process.env.KINETIC_HOOK_URL) process.env.KINETIC_HOOK_URL = hook.url;
    process.env.KINETIC_BUILD_DIR_CONTEXTS ??= "true";
    await this.wireTopics();
    this.startCrons();
  }

  /**
   * checkUtilization's PromQL endpoint: with KINETIC_RESOURCE_MONITORING_ENABLED=true and no endpoint named, a
   * real Prometheus on 127.0.0.1 (nothing here exports GPU metrics, so every job reads "unknown", never idle).
   */
  private async startMetrics(): Promise<void> {
    const on = ["true", "1"].includes(process.env.KINETIC_RESOURCE_MONITORING_ENABLED ?? "");
    if (!on || process.env.KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT) return;
    if (!existsSync(prometheusBinary())) {
      this.options.say(
        "  Prometheus          not fetched (npm run testbed:build): checkUtilization reports it unreachable",
      );
      return;
    }
    const prometheus = await startPrometheus();
    this.stoppers.push({ what: "prometheus", stop: () => prometheus.stop() });
    process.env.KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT = prometheus.url;
    this.options.say(`  Prometheus          ${prometheus.url}  (checkUtilization's PromQL endpoint)`);
  }

  private connectCluster(): ClusterClient {
    const choice = this.options.cluster;
    if (choice.kind === "kubeconfig") {
      this.options.say(`  Cluster             kubeconfig ${choice.path}`);
      return KubeCluster.fromFile(choice.path);
    }
    // A job whose image was built locally runs in that image's files (unpacked with crane; local-images.ts).
    const crane = buildsPaths().bin("crane");
    const runtime = new LocalRuntime({
      rootDir: join(this.options.dataDir, "runtime"),
      outputRoot: this.outputRoot,
      ...(existsSync(crane) ? { unpackImage: craneUnpacker(crane) } : {}),
    });
    this.runtime = runtime;
    this.stoppers.push({ what: "local runtime", stop: () => runtime.close() });
    this.options.say(`  Cluster             local runtime (job folders in ${join(this.options.dataDir, "runtime")})`);
    return runtime;
  }

  /** Each function module registers itself with functions-framework when imported. */
  private async importFunctions(): Promise<void> {
    for (const spec of FUNCTIONS) {
      const file = resolve(REPO_ROOT, spec.source);
      if (!existsSync(file)) {
        this.skipped.push(spec);
        continue;
      }
      await import(pathToFileURL(file).href);
    }
  }

  private async serveFunctions(): Promise<void> {
    for (const spec of FUNCTIONS) {
      if (this.skipped.includes(spec)) {
        this.options.say(`  ${spec.name.padEnd(19)} not served: ${spec.source} does not exist yet`);
        continue;
      }
      // getTestServer builds the framework's own server for the function's signature (CloudEvent
      // conversion of Pub/Sub pushes included); only the listening is ours.
      const server = getTestServer(spec.name);
      const port = spec.name === "api" && this.options.apiPort ? this.options.apiPort : await freePort();
      await listen(server, port);
      this.stoppers.push({ what: spec.name, stop: () => closeServer(server) });
      const url = `http://127.0.0.1:${port}`;
      this.functions.set(spec.name, { spec, url });
      this.options.say(`  ${spec.name.padEnd(19)} ${url}  (${describeTrigger(spec)})`);
    }
  }

  /** Topics, and a push subscription per Pub/Sub-triggered function, as Eventarc would create. */
  private async wireTopics(): Promise<void> {
    const { project } = this.options;
    const pubsub = new PubSub({ projectId: project });
    this.stoppers.push({ what: "pubsub admin", stop: () => pubsub.close() });
    for (const name of Object.values(TOPICS)) {
      await ignoreExists(pubsub.createTopic(name));
      // As deployed: a message the function keeps failing on ends in the topic's DLQ, which has a subscription.
      await ignoreExists(pubsub.createTopic(deadLetterTopicName(name)));
      await ignoreExists(pubsub.createSubscription(deadLetterTopicName(name), `${deadLetterTopicName(name)}-sub`));
    }
    for (const { spec, url } of this.functions.values()) {
      if (spec.trigger.kind !== "pubsub") continue;
      // One push subscription per topic the function takes (tuneStudy: tuning and job events).
      for (const [i, key] of triggerTopics(spec.trigger).entries()) {
        const topic = TOPICS[key];
        // The topic in the path lets functions-framework fill in the CloudEvent source (serverless.md §1.9 C).
        const pushEndpoint = `${url}/projects/${project}/topics/${topic}`;
        const name = i === 0 ? `${spec.name}-push` : `${spec.name}-${key}-push`;
        const created = await ignoreExists(
          pubsub.createSubscription(topic, name, {
            pushConfig: { pushEndpoint },
            ackDeadlineSeconds: Math.min(600, Math.max(10, spec.timeoutSeconds)),
            retryPolicy: {
              minimumBackoff: { seconds: spec.trigger.minBackoffSeconds },
              maximumBackoff: { seconds: spec.trigger.maxBackoffSeconds },
            },
            deadLetterPolicy: {
              deadLetterTopic: `projects/${project}/topics/${deadLetterTopicName(topic)}`,
              maxDeliveryAttempts: spec.trigger.maxDeliveryAttempts,
            },
          }),
        );
        // A kept emulator data folder may hold the subscription with an old port.
        if (!created) await pubsub.subscription(name).modifyPushConfig({ pushEndpoint });
      }
    }
  }

  /** Cloud Scheduler's part: call each scheduled function over HTTP with a bearer token, never overlapping. */
  private startCrons(): void {
    for (const { spec, url } of this.functions.values()) {
      if (spec.trigger.kind !== "schedule") continue;
      let running: Promise<void> | undefined;
      const stopped = new AbortController();
      const tick = async () => {
        if (running) return;
        running = call();
        await running;
        running = undefined;
      };
      const call = async () => {
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
            body: "{}",
            signal: AbortSignal.any([AbortSignal.timeout(spec.timeoutSeconds * 1000), stopped.signal]),
          });
          const body = await res.text();
          if (!res.ok) this.options.log.warn(`cron ${spec.name} answered ${res.status}`, { body: body.slice(0, 500) });
        } catch (err) {
          if (!this.stopping) this.options.log.warn(`cron ${spec.name} failed`, { error: String(err) });
        }
      };
      const timer = setInterval(() => void tick(), this.options.cronIntervalMs);
      // A run in flight gets a few seconds to finish (it uses Firestore, which stops next); then it is abandoned, as it
      // may hang as long as the function's timeout (minutes).
      this.stoppers.push({
        what: `${spec.name} cron`,
        stop: async () => {
          clearInterval(timer);
          await Promise.race([running, new Promise((r) => setTimeout(r, 3_000).unref())]);
          stopped.abort();
          await running;
        },
      });
      this.options.say(
        `  ${`${spec.name} cron`.padEnd(19)} every ${this.options.cronIntervalMs / 1000} s (deployed: ${spec.trigger.schedule})`,
      );
    }
  }

  /** Stops everything started so far, newest first, each step time-limited. Safe to repeat and during start(). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await runStopSteps([...this.stoppers].reverse(), (what, problem) =>
        this.options.log.warn(`stopping ${what}: ${problem}`),
      );
      setDeps(undefined);
    })();
    return this.stopping;
  }
}

function describeTrigger(spec: FunctionSpec): string {
  switch (spec.trigger.kind) {
    case "pubsub":
      return `push subscription on ${triggerTopics(spec.trigger)
        .map((k) => TOPICS[k])
        .join(", ")}`;
    case "http":
      return "HTTP";
    case "schedule":
      return "scheduled";
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE" ? new Error(`port ${port} on 127.0.0.1 is in use; choose another with --port`) : err,
      ),
    );
    server.listen(port, "127.0.0.1", () => resolvePromise());
  });
}

/** Resolves true when created, false when it already existed (gRPC ALREADY_EXISTS). */
async function ignoreExists(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 6) return false;
    throw err;
  }
}
