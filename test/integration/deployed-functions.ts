/**
 * The deployment as Google Cloud would run it, on this machine: the Pulumi
 * program rendered under mocks gives each function's name, entry point,
 * environment and trigger (Scheduler job or push subscription, with the OIDC
 * identity and audience Google would put in the token); each function then
 * runs as its own functions-framework process (its real CLI) loading the
 * deployed bundle itself (scripts/build/functions.ts: the same index.js, lazy
 * chunks and inlined Kubernetes client Pulumi uploads) with exactly that
 * environment plus what stands in for Google Cloud here: the emulator hosts,
 * the testbed's kubeconfig in place of GKE, and the fake certificate endpoint.
 * The bundle is built under node_modules/.cache so its external packages
 * resolve from the checkout's node_modules, as `npm ci` installs them in the
 * artifact (test/packaging installs the artifact itself).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PubSub } from "@google-cloud/pubsub";
import { afterAll, beforeAll } from "vitest";
import { parseInfraConfig, type InfraConfig } from "../../infra/config.ts";
import { byType, runDeploy, type Recorded } from "../../infra/test-support.ts";
import { buildFunctions } from "../../scripts/build/functions.ts";
import { TEST_CERTS_ENV } from "../../shared/security/test-certs.ts";
import { freePort, startProcess, type ManagedProcess } from "../../scripts/lib/processes.ts";
import { createTestNamespace, type TestNamespace } from "../../testbed/index.ts";
import { startFakeGoogleCerts, type FakeGoogleCerts } from "../fakes/google-certs.ts";
import { writeLoopbackPreload } from "../packaging/support.ts";

const REPO = resolve(import.meta.dirname, "../..");

export interface DeployedFunction {
  /** The deployed (Cloud Run) name, e.g. kinetic-parity-api. */
  name: string;
  entryPoint: string;
  env: Record<string, string>;
  /** The URL Google would call; the audience callers' tokens carry. */
  deployedUrl: string;
}

export interface Trigger {
  kind: "schedule" | "push";
  /** The function it calls (deployed URL). */
  target: string;
  /** What Google puts in the OIDC token. */
  audience: string;
  serviceAccountEmail: string;
  /** Scheduler job name or push subscription name. */
  name: string;
}

export interface Rendered {
  resources: Recorded[];
  outputs: Record<string, unknown>;
  functions: DeployedFunction[];
  triggers: Trigger[];
}

export async function renderDeployment(cfg: InfraConfig): Promise<Rendered> {
  const { resources, outputs } = await runDeploy(cfg);
  const functions = byType(resources, "gcp:cloudfunctionsv2/function:Function").map((f) => ({
    name: f.inputs.name as string,
    entryPoint: f.inputs.buildConfig.entryPoint as string,
    env: f.inputs.serviceConfig.environmentVariables as Record<string, string>,
    deployedUrl: `https://${f.inputs.location}-${f.inputs.project}.cloudfunctions.net/${f.inputs.name}`,
  }));
  const triggers: Trigger[] = [
    ...byType(resources, "gcp:cloudscheduler/job:Job").map((j) => ({
      kind: "schedule" as const,
      target: j.inputs.httpTarget.uri,
      audience: j.inputs.httpTarget.oidcToken.audience,
      serviceAccountEmail: j.inputs.httpTarget.oidcToken.serviceAccountEmail,
      name: j.inputs.name,
    })),
    ...byType(resources, "gcp:pubsub/subscription:Subscription")
      .filter((s) => s.inputs.pushConfig)
      .map((s) => ({
        kind: "push" as const,
        target: s.inputs.pushConfig.pushEndpoint,
        audience: s.inputs.pushConfig.oidcToken.audience,
        serviceAccountEmail: s.inputs.pushConfig.oidcToken.serviceAccountEmail,
        name: s.inputs.name,
      })),
  ];
  return { resources, outputs, functions, triggers };
}

export interface Served {
  fn: DeployedFunction;
  /** Where it listens here (stands in for deployedUrl). */
  url: string;
  log: string;
}

export class FunctionHost {
  private readonly work = mkdtempSync(join(tmpdir(), "kinetic-parity-"));
  private readonly started: ManagedProcess[] = [];
  private readonly bundleDir: string;
  private bundle: Promise<string> | undefined;
  private readonly loopback: string;

  constructor() {
    const cache = join(REPO, "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    this.bundleDir = mkdtempSync(join(cache, "kinetic-parity-bundle-"));
    this.loopback = writeLoopbackPreload(this.work);
  }

  /** The deployed bundle's entry (built once per host): it registers every function. */
  private entry(): Promise<string> {
    this.bundle ??= buildFunctions(this.bundleDir).then(({ dir }) => join(dir, "index.js"));
    return this.bundle;
  }

  /** Starts `fn` with exactly its deployed environment plus `stand-ins`, and waits until it answers. */
  async serve(fn: DeployedFunction, standIns: Record<string, string>): Promise<Served> {
    const entry = await this.entry();
    const port = await freePort();
    const log = join(this.work, `${fn.name}.log`);
    const main = join(dirname(createRequire(import.meta.url).resolve("@google-cloud/functions-framework")), "main.js");
    const proc = startProcess(
      fn.name,
      process.execPath,
      [
        `--import=${pathToFileURL(this.loopback).href}`,
        main,
        `--target=${fn.entryPoint}`,
        `--source=${entry}`,
        `--port=${port}`,
      ],
      {
        cwd: REPO,
        logFile: log,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.work, ...fn.env, ...standIns },
      },
    );
    this.started.push(proc);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null)
        throw new Error(`${fn.name} exited while starting:\n${readFileSync(log, "utf8").slice(-4000)}`);
      if (Date.now() > deadline)
        throw new Error(`${fn.name} did not answer:\n${readFileSync(log, "utf8").slice(-4000)}`);
      const up = await fetch(url, { method: "OPTIONS", signal: AbortSignal.timeout(2_000) }).then(
        async (r) => (await r.arrayBuffer(), true),
        () => false,
      );
      if (up) return { fn, url, log };
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.started.map((p) => p.stop()));
    rmSync(this.work, { recursive: true, force: true });
    rmSync(this.bundleDir, { recursive: true, force: true });
  }
}

/** What replaces Google Cloud here: emulators, the testbed cluster, and the fake certificate endpoint. */
export function standIns(certsUrl: string): Record<string, string> {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run through the integration project`);
    return v;
  };
  return {
    FIRESTORE_EMULATOR_HOST: need("FIRESTORE_EMULATOR_HOST"),
    PUBSUB_EMULATOR_HOST: need("PUBSUB_EMULATOR_HOST"),
    METADATA_SERVER_DETECTION: "none",
    KINETIC_KUBECONFIG: need("KINETIC_TEST_KUBECONFIG"),
    [TEST_CERTS_ENV]: certsUrl,
  };
}

export interface DeploymentHandle {
  readonly google: FakeGoogleCerts;
  /** The test namespace the deployment is configured for, with the LocalQueue infra creates. */
  readonly ns: TestNamespace;
  readonly rendered: Rendered;
  /** The emulator's Pub/Sub for the deployment's project, with every topic infra creates. */
  readonly pubsub: PubSub;
  /** Starts more functions (another environment, a second instance) beside the deployment's. */
  readonly host: FunctionHost;
  /** Where the function deployed at `deployedUrl` listens here. */
  local(deployedUrl: string): string;
}

export const ALICE = "alice@example.com";

/**
 * Call at the top level of a test file: renders the deployment for a fresh namespace (Alice may call the API),
 * creates its topics on the emulator and serves the functions whose deployed name matches `only` (all by default),
 * with the fake Google certificates; stops everything after the file.
 */
export function useDeployment(cluster: string, options: { only?: RegExp; expect?: number } = {}): DeploymentHandle {
  const host = new FunctionHost();
  const served = new Map<string, Served>();
  let state: { google: FakeGoogleCerts; ns: TestNamespace; rendered: Rendered; pubsub: PubSub } | undefined;
  beforeAll(async () => {
    const google = await startFakeGoogleCerts();
    // The namespace gets the LocalQueue infra creates (kinetic), which KINETIC_DEFAULT_QUEUE points at.
    const ns = await createTestNamespace(cluster, { localQueue: true });
    const project = `${cluster}-${randomBytes(4).toString("hex")}`;
    const rendered = await renderDeployment(
      parseInfraConfig({
        project,
        zone: "us-central1-a",
        cluster,
        namespaces: [ns.name],
        apiInvokers: [`user:${ALICE}`],
      }),
    );
    // The topics infra creates, on the emulator (syncJobs publishes job.finished to its cluster's topic).
    const pubsub = new PubSub({ projectId: project });
    state = { google, ns, rendered, pubsub };
    for (const t of rendered.resources.filter((r) => r.type === "gcp:pubsub/topic:Topic"))
      await pubsub.createTopic(t.inputs.name as string);
    const wanted = rendered.functions.filter((f) => !options.only || options.only.test(f.name));
    if (options.expect !== undefined && wanted.length !== options.expect)
      throw new Error(`expected ${options.expect} deployed functions matching ${options.only}, got ${wanted.length}`);
    for (const s of await Promise.all(wanted.map((fn) => host.serve(fn, standIns(google.url)))))
      served.set(s.fn.deployedUrl, s);
  }, 240_000);
  afterAll(async () => {
    await host.close();
    await state?.pubsub.close();
    await state?.ns.cleanup();
    await state?.google.close();
  });
  const get = () => {
    if (!state) throw new Error("the deployment is not started yet (use it inside a test)");
    return state;
  };
  return {
    get google() {
      return get().google;
    },
    get ns() {
      return get().ns;
    },
    get rendered() {
      return get().rendered;
    },
    get pubsub() {
      return get().pubsub;
    },
    host,
    local: (deployedUrl) => {
      const s = served.get(deployedUrl);
      if (!s) throw new Error(`no function served for ${deployedUrl}`);
      return s.url;
    },
  };
}
