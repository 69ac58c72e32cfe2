// `kinetic init` and `kinetic init --troubleshoot` against the named fake of the
// Google APIs (test/fakes/google-apis.ts), through the real REST adapter: one test
// per check, each breaking exactly its prerequisite; what depends on it is skipped
// and says so; the first-time setup creates the state bucket once and writes a profile.
import { Command } from "commander";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REQUIRED_APIS } from "../../../infra/api-list.ts";
import { googleApis, type Credentials } from "../../../infra/google-apis.ts";
import { deployedNames } from "../../../infra/naming.ts";
import { createContext } from "../../../cli/context.ts";
import { registerInitCommands } from "../../../cli/commands/init.ts";
import { CHECKS, STATE_PERMISSIONS } from "../../../cli/commands/init-checks.ts";
import { ExitRequest } from "../../../cli/exit-codes.ts";
import type { Io } from "../../../cli/output.ts";
import { startFakeGoogle, type FakeGoogle } from "../../fakes/google-apis.ts";

const P = "acme-ml";
const ZONE = "us-central1-a";
const BUCKET = `${P}-kinetic-state`;
const ADC: Credentials = { token: async () => "ya29.fake", account: async () => "admin@example.com" };

let google: FakeGoogle;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kinetic-init-"));
  // A healthy deployment of cluster "train"; each test breaks one thing.
  google = await startFakeGoogle({
    projects: { [P]: { state: "ACTIVE" } },
    enabled: { [P]: [...REQUIRED_APIS] },
    buckets: {
      [BUCKET]: {
        project: P,
        settings: {},
        granted: [...STATE_PERMISSIONS],
        objects: [`.pulumi/stacks/kinetic/${P}-train.json`],
      },
    },
    clusters: { [`${P}/${ZONE}/train`]: { status: "RUNNING" } },
    functions: { [`${P}/us-central1`]: deployedNames("train").map((name) => ({ name, state: "ACTIVE" })) },
    localQueues: ["ml/kinetic"],
    creatorPermissions: [...STATE_PERMISSIONS],
  });
});
afterEach(async () => {
  await google.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kinetic(args: string[], credentials: Credentials = ADC) {
  const out: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => out.push(t), stderrIsTty: false, stdinIsTty: false };
  const program = new Command("kinetic").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  const env = {
    KINETIC_PROFILES_FILE: join(dir, "profiles.json"),
    KINETIC_PROJECT: P,
    KINETIC_ZONE: ZONE,
    KINETIC_CLUSTER: "train",
    KINETIC_NAMESPACE: "ml",
  };
  registerInitCommands(program, createContext(program, io, env), {
    google: async () => ({ apis: googleApis(credentials, google.endpoints), credentials }),
  });
  let code = 0;
  try {
    await program.parseAsync(["node", "kinetic", ...args]);
  } catch (err) {
    if (!(err instanceof ExitRequest)) throw err;
    code = err.exitCode;
  }
  const lines = out.join("").trimEnd().split("\n");
  return {
    code,
    lines,
    line: (title: string) => lines.find((l) => l.includes(` ${title}:`)) ?? `(no line for ${title})`,
  };
}

describe("kinetic init --troubleshoot", () => {
  it("prints one ok line per check, in order, and exits 0 on a healthy deployment", async () => {
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(CHECKS.length);
    for (const l of r.lines) expect(l).toMatch(/^ok {3}/);
    expect(r.lines.map((l) => l.split(":")[0]!.slice(5))).toEqual([
      "Application Default Credentials",
      "project",
      "enabled APIs",
      "IAM on the state bucket",
      "stack present",
      "cluster reachable",
      "functions deployed and healthy",
      "queue present",
    ]);
  });

  it("credentials: none usable → the login command; everything after is skipped, not dropped", async () => {
    const none: Credentials = {
      token: async () => Promise.reject(new Error("Could not load the default credentials")),
      account: async () => undefined,
    };
    const r = await kinetic(["init", "--troubleshoot"], none);
    expect(r.code).toBe(1);
    expect(r.line("Application Default Credentials")).toMatch(/^FAIL .*fix: gcloud auth application-default login/);
    expect(r.lines).toHaveLength(CHECKS.length);
    for (const l of r.lines.slice(1)) expect(l).toMatch(/^skip .*needs/);
  });

  it("project: not visible → how to set it", async () => {
    delete google.state.projects[P];
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("project")).toMatch(/^FAIL .*not visible to you \(HTTP 403\).*fix: .*--project/);
    expect(r.line("enabled APIs")).toMatch(/^skip .*needs "project"/);
  });

  it("enabled APIs: the missing ones and the command that enables them", async () => {
    google.state.enabled[P] = REQUIRED_APIS.filter(
      (a) => a !== "run.googleapis.com" && a !== "cloudscheduler.googleapis.com",
    );
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("enabled APIs")).toMatch(
      /^FAIL enabled APIs: missing cloudscheduler.googleapis.com, run.googleapis.com/,
    );
    expect(r.line("enabled APIs")).toContain(
      `gcloud services enable cloudscheduler.googleapis.com run.googleapis.com --project ${P}`,
    );
    expect(r.line("cluster reachable")).toMatch(/^skip/);
    expect(r.line("IAM on the state bucket")).toMatch(/^ok/);
  });

  it("IAM on the state bucket: the missing permissions and the grant to ask for", async () => {
    google.state.buckets[BUCKET]!.granted = ["storage.objects.get", "storage.objects.list"];
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("IAM on the state bucket")).toMatch(/^FAIL .*lack storage.objects.create, storage.objects.delete/);
    expect(r.line("IAM on the state bucket")).toContain("--role=roles/storage.objectAdmin");
    expect(r.line("stack present")).toMatch(/^skip/);
  });

  it("IAM on the state bucket: no bucket at all → kinetic init creates it", async () => {
    delete google.state.buckets[BUCKET];
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("IAM on the state bucket")).toMatch(/^FAIL .*does not exist.*fix: kinetic init creates it/);
  });

  it("stack present: no stack for this cluster → kinetic up", async () => {
    google.state.buckets[BUCKET]!.objects = [`.pulumi/stacks/kinetic/${P}-other.json`];
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("stack present")).toMatch(new RegExp(`^FAIL stack present: no stack ${P}-train .*fix: kinetic up$`));
  });

  it("cluster reachable: missing, not running, or its API server silent", async () => {
    google.state.apiServerUp = false;
    let r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("cluster reachable")).toMatch(
      /^FAIL cluster reachable: its API server did not answer.*authorized networks/,
    );
    expect(r.line("queue present")).toMatch(/^skip .*needs "cluster reachable"/);
    google.state.clusters[`${P}/${ZONE}/train`] = { status: "PROVISIONING" };
    r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("cluster reachable")).toMatch(/^FAIL cluster reachable: cluster train is PROVISIONING/);
    delete google.state.clusters[`${P}/${ZONE}/train`];
    r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("cluster reachable")).toMatch(
      /^FAIL cluster reachable: no cluster train in us-central1-a.*fix: kinetic up/,
    );
  });

  it("functions deployed and healthy: a missing and a failed function, by name", async () => {
    const api = "kinetic-train-api";
    const submit = "kinetic-train-submit-job";
    google.state.functions[`${P}/us-central1`] = deployedNames("train")
      .filter((n) => n !== api)
      .map((name) => ({ name, state: name === submit ? "FAILED" : "ACTIVE" }));
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("functions deployed and healthy")).toMatch(
      new RegExp(`^FAIL functions deployed and healthy: ${submit} is FAILED, ${api} is missing.*fix: kinetic up`),
    );
  });

  it("queue present: no LocalQueue in the profile's namespace → kinetic up --namespace", async () => {
    google.state.localQueues = ["default/kinetic"];
    const r = await kinetic(["init", "--troubleshoot"]);
    expect(r.line("queue present")).toMatch(
      /^FAIL queue present: no LocalQueue kinetic in namespace ml.*fix: kinetic up --namespace ml/,
    );
  });
});

describe("kinetic init", () => {
  it("creates the state bucket once, with its settings, and writes a profile for the cluster", async () => {
    delete google.state.buckets[BUCKET];
    const first = await kinetic(["init"]);
    expect(first.code).toBe(0);
    expect(first.lines).toContain(`created state bucket gs://${BUCKET}`);
    expect(google.state.buckets[BUCKET]!.settings).toMatchObject({
      versioning: { enabled: true },
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: "enforced" },
    });
    expect(first.lines).toContain(`profile ${P}-train written (stack ${P}-train)`);
    const store = JSON.parse(readFileSync(join(dir, "profiles.json"), "utf8"));
    expect(store).toEqual({
      current: `${P}-train`,
      profiles: { [`${P}-train`]: { project: P, zone: ZONE, cluster: "train", namespace: "ml" } },
    });

    const again = await kinetic(["init"]);
    expect(again.code).toBe(0);
    expect(again.lines).toContain(`state bucket gs://${BUCKET} exists`);
    expect(again.lines).toContain(`profile ${P}-train kept (stack ${P}-train)`);
    expect(google.requests.filter((r) => r === "POST /storage/v1/b")).toHaveLength(1);
  });

  it("creates nothing for a project it cannot see", async () => {
    delete google.state.projects[P];
    const r = await kinetic(["init"]);
    expect(r.code).toBe(1);
    expect(google.requests.some((x) => x.startsWith("POST"))).toBe(false);
  });
});
