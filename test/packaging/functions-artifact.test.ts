// The deployable functions artifact as Cloud Functions gets it: built, copied
// into an empty folder, installed there with `npm ci --omit=dev` (what the
// Node.js buildpack runs when a lockfile is present; it also fails if the
// lockfile and package.json disagree), then started with functions-framework
// from that folder. The functions talk to the Firestore emulator of the test
// run; the cluster is never contacted.
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { freePort, startProcess, type ManagedProcess } from "../../scripts/lib/processes.ts";
import {
  NODE,
  NODE_PATH_DIR,
  NOT_FOR_FUNCTIONS,
  REPO,
  build,
  installedPackages,
  mustRun,
  npmEnv,
  writeLoopbackPreload,
} from "./support.ts";

const work = mkdtempSync(join(tmpdir(), "kinetic-pkg-functions-"));
const app = join(work, "app");
const project = `pkg-${randomBytes(4).toString("hex")}`;
const kubeconfig = join(work, "kubeconfig.yaml");
const started: ManagedProcess[] = [];
let loopback: string;

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  rmSync(work, { recursive: true, force: true });
});

beforeAll(async () => {
  await build("functions", join(work, "build"));
  // Pulumi uploads the folder's contents as the function's source zip; this is the same set of files.
  cpSync(join(work, "build"), app, { recursive: true });
  await mustRun("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], {
    cwd: app,
    env: npmEnv(),
    timeoutMs: 480_000,
  });
  loopback = writeLoopbackPreload(work);
  // Deps need a cluster client; nothing here reaches the cluster, so the server is a closed port.
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`,
  );
}, 600_000);

/** Starts one function from the installed artifact, as the runtime does, and waits until it answers. */
async function serve(target: string): Promise<string> {
  const emulator = process.env.FIRESTORE_EMULATOR_HOST;
  if (!emulator) throw new Error("FIRESTORE_EMULATOR_HOST is not set: run through the integration project");
  const port = await freePort();
  const log = join(work, `${target}.log`);
  const proc = startProcess(
    target,
    join(app, "node_modules/.bin/functions-framework"),
    [`--target=${target}`, `--port=${port}`],
    {
      cwd: app,
      logFile: log,
      env: {
        PATH: `${NODE_PATH_DIR}:/usr/bin:/bin`,
        HOME: work,
        NODE_ENV: "production",
        NODE_OPTIONS: `--enable-source-maps --import=${pathToFileURL(loopback).href}`,
        KINETIC_PROJECT: project,
        KINETIC_KUBECONFIG: kubeconfig,
        KINETIC_API_TOKENS: "test=secret",
        // The reader is an operator: a rejected message that named no namespace is visible to operators alone.
        KINETIC_NAMESPACE_POLICY: '{"test":["*"],"pubsub":["default"]}',
        FIRESTORE_EMULATOR_HOST: emulator,
        PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST,
        METADATA_SERVER_DETECTION: "none",
      },
    },
  );
  started.push(proc);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`functions-framework --target=${target} exited:\n${readFileSync(log, "utf8")}`);
    if (Date.now() > deadline) throw new Error(`${target} did not answer on ${url}:\n${readFileSync(log, "utf8")}`);
    const answered = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      () => true,
      () => false,
    );
    if (answered) return url;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the functions artifact", () => {
  it("declares what the bundle imports, with the root's versions, and none of the deployer's or the CLI's packages", () => {
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    const root = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(pkg).toMatchObject({ type: "module", main: "index.js", engines: { node: ">=24" } });
    expect(Object.keys(pkg.dependencies)).toContain("@google-cloud/functions-framework");
    // Bundled in (scripts/build/functions.ts INLINE): not installed.
    expect(Object.keys(pkg.dependencies)).not.toContain("@kubernetes/client-node");
    for (const [name, range] of Object.entries(pkg.dependencies)) expect(range, name).toBe(root.dependencies[name]);
    for (const name of Object.keys(pkg.dependencies))
      expect(
        NOT_FOR_FUNCTIONS.some((re) => re.test(name)),
        name,
      ).toBe(false);
  });

  it("installs without Pulumi, the prompts or commander anywhere in node_modules", () => {
    const installed = installedPackages(join(app, "node_modules"));
    expect(installed).toContain("@google-cloud/functions-framework");
    expect(installed).toContain("@google-cloud/firestore");
    expect(installed.filter((name) => NOT_FOR_FUNCTIONS.some((re) => re.test(name)))).toEqual([]);
  });

  it("registers every declared function when its entry module loads", async () => {
    const names = FUNCTIONS.map((f) => f.name);
    const script = `await import("./index.js");
const { getFunction } = await import("@google-cloud/functions-framework/testing");
console.log(JSON.stringify(${JSON.stringify(names)}.filter((n) => typeof getFunction(n) !== "function")));`;
    const r = await mustRun(NODE, ["--input-type=module", "-e", script], { cwd: app, env: { PATH: "/usr/bin:/bin" } });
    expect(JSON.parse(r.stdout), "functions not registered").toEqual([]);
  });

  it("runs the Kubernetes client bundled in, without @kubernetes/client-node installed", async () => {
    expect(installedPackages(join(app, "node_modules"))).not.toContain("@kubernetes/client-node");
    // The bundle's cluster chunk, as a function's first cluster call loads it; the kubeconfig's server is a closed
    // port, so the list fails at the connection: the client loaded and ran (no missing module, no `require` error).
    const script = `const { readdirSync } = await import("node:fs");
const file = readdirSync(".").find((f) => /^connect-.*\\.js$/.test(f));
const { connectCluster } = await import("./" + file);
const cluster = await connectCluster({ KINETIC_KUBECONFIG: process.argv[1] });
const r = await cluster.listManaged("default", ["Job"]).then(() => ({}), (e) => ({ code: e.code, message: e.message }));
console.log(JSON.stringify(r));`;
    const r = await mustRun(NODE, ["--input-type=module", "-e", script, kubeconfig], {
      cwd: app,
      env: { PATH: "/usr/bin:/bin" },
    });
    expect(JSON.parse(r.stdout)).toMatchObject({
      code: "cluster-unavailable",
      message: expect.stringMatching(/fetch failed/),
    });
  });

  it("serves submitJob and api under functions-framework from the install", async () => {
    const [api, submit] = await Promise.all([serve("api"), serve("submitJob")]);

    const anonymous = await fetch(`${api}/jobs`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "unauthenticated" } });

    // A Pub/Sub push as Eventarc delivers it (binary CloudEvent) carrying a body that is not JSON:
    // submitJob records the job as REJECTED in Firestore and acks. Pushes are authenticated like
    // every call (CI's static token here; the push subscription's OIDC token when deployed).
    const jobId = `pkg-${randomBytes(4).toString("hex")}`;
    const unsigned = await fetch(submit, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(unsigned.status).toBe(401);
    const pushed = await fetch(submit, {
      method: "POST",
      headers: {
        authorization: "Bearer secret",
        "content-type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": `evt-${jobId}`,
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-source": `//pubsub.googleapis.com/projects/${project}/topics/kinetic-jobs`,
      },
      body: JSON.stringify({
        message: {
          data: Buffer.from("this is not json").toString("base64"),
          messageId: `msg-${jobId}`,
          publishTime: new Date().toISOString(),
          attributes: { jobId },
        },
        subscription: `projects/${project}/subscriptions/submitJob-push`,
      }),
    });
    expect(pushed.status, await pushed.text()).toBeLessThan(300);

    const read = await fetch(`${api}/jobs/${jobId}`, { headers: { authorization: "Bearer secret" } });
    expect(read.status).toBe(200);
    const { job } = (await read.json()) as { job: { id: string; state: string; message?: string } };
    expect(job).toMatchObject({ id: jobId, state: "REJECTED" });
    expect(job.message).toMatch(/not valid JSON/);

    // The dashboard from the files built beside the bundle (the artifact has neither dashboard/ nor esbuild).
    const page = await fetch(`${api}/ui/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("app.js");
    const app = await fetch(`${api}/ui/app.js`);
    expect(app.status).toBe(200);
    expect((await app.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
  });
});
