/**
 * `kinetic jobs …` run as a subprocess against the API test double
 * (api-test-double.ts): output for people and for scripts, exit codes,
 * error rendering, and that settings (URL, token, namespace, profile) reach the wire.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startApiTestDouble, type ApiTestDouble } from "./api-test-double.ts";
import { sandbox, type Sandbox } from "./helpers.ts";

// Real subprocesses on a shared 2-core machine: generous limits; no assertion depends on time.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let sb: Sandbox;
let api: ApiTestDouble;
let env: Record<string, string>;

beforeEach(async () => {
  sb = await sandbox();
  api = await startApiTestDouble();
  env = { KINETIC_API_URL: api.url, KINETIC_API_TOKEN: "test-token", KINETIC_PROJECT: "test-proj" };
});
afterEach(async () => {
  await api.close();
  await sb.cleanup();
});

async function specFile(name: string, text: string): Promise<string> {
  const path = join(sb.home, name);
  await writeFile(path, text);
  return path;
}

const YAML_SPEC =
  "id: train-1\nimage: us-docker.pkg.dev/p/r/train:1\naccelerator: tpu-v6e-8\ncommand: [python, train.py]\n";

describe("jobs submit", () => {
  it("submits a YAML spec over HTTP with the bearer token and the configured namespace", async () => {
    const file = await specFile("job.yaml", YAML_SPEC);
    const r = await sb.run(["jobs", "submit", "-f", file], { ...env, KINETIC_NAMESPACE: "ml" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("Submitted job train-1 (QUEUED)\n");
    const post = api.requests.find((q) => q.method === "POST")!;
    expect(post.path).toBe("/jobs");
    expect(post.authorization).toBe("Bearer test-token");
    expect(post.body).toEqual({
      id: "train-1",
      image: "us-docker.pkg.dev/p/r/train:1",
      accelerator: "tpu-v6e-8",
      command: ["python", "train.py"],
      namespace: "ml",
    });
  });

  it("a namespace in the spec wins over env and profile, but not over an explicit --namespace", async () => {
    const file = await specFile(
      "job.json",
      JSON.stringify({ image: "img:1", accelerator: "cpu", namespace: "from-spec" }),
    );
    await sb.run(["jobs", "submit", "-f", file], { ...env, KINETIC_NAMESPACE: "from-env" });
    expect((api.requests.at(-1)!.body as { namespace: string }).namespace).toBe("from-spec");
    await sb.run(["--namespace", "from-flag", "jobs", "submit", "-f", file], env);
    expect((api.requests.at(-1)!.body as { namespace: string }).namespace).toBe("from-flag");
  });

  it("resubmitting the same id reports the existing job; --json gives the record", async () => {
    const file = await specFile("job.yaml", YAML_SPEC);
    await sb.run(["jobs", "submit", "-f", file], env);
    const again = await sb.run(["jobs", "submit", "-f", file], env);
    expect(again.stdout).toBe("Already exists: job train-1 (QUEUED)\n");
    const json = await sb.run(["jobs", "submit", "-f", file, "--json"], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ created: false, job: { id: "train-1", state: "QUEUED" } });
  });

  it("renders a 400 with one line per field issue and exits 1", async () => {
    const file = await specFile("bad.yaml", "accelerator: quantum-9\n");
    const r = await sb.run(["jobs", "submit", "-f", file], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'error: invalid job spec\n  - image: required\n  - accelerator: unknown accelerator "quantum-9"\n',
    );
  });

  it("a missing, unparsable or non-mapping spec file is a usage error (exit 2) and nothing is sent", async () => {
    const missing = await sb.run(["jobs", "submit", "-f", join(sb.home, "nope.yaml")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    const broken = await sb.run(["jobs", "submit", "-f", await specFile("b.json", "{not json")], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("does not parse");
    const list = await sb.run(["jobs", "submit", "-f", await specFile("l.yaml", "- a\n- b\n")], env);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain("must be one mapping (an object), not a list");
    const noFile = await sb.run(["jobs", "submit"], env);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("required option '-f, --file <path>' not specified");
    const badVia = await sb.run(["jobs", "submit", "-f", "x", "--via", "carrier-pigeon"], env);
    expect(badVia.code).toBe(2);
    expect(api.requests).toEqual([]);
  });

  it("--wait follows the job to the end: exit 0 when it SUCCEEDED, 4 when it FAILED", { timeout: 30_000 }, async () => {
    const ok = await sb.run(["jobs", "submit", "-f", await specFile("ok.yaml", YAML_SPEC), "--wait"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("Job train-1 ended: SUCCEEDED\n");
    expect(ok.stderr).toBe("Submitted job train-1 (QUEUED)\n"); // no spinner: stderr is not a terminal

    const bad = await sb.run(
      [
        "jobs",
        "submit",
        "-f",
        await specFile("bad.yaml", "id: t2\nimage: img:fail\naccelerator: cpu\n"),
        "--wait",
        "--json",
      ],
      env,
    );
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      job: { id: "t2", state: "FAILED", reason: "BackoffLimitExceeded" },
    });
  });
});

describe("jobs list / status / logs / cancel", () => {
  beforeEach(async () => {
    for (const [id, ns] of [
      ["a1", "default"],
      ["a2", "default"],
      ["b1", "research"],
    ]) {
      const file = await specFile(
        `${id}.json`,
        JSON.stringify({ id, image: "img:1", accelerator: "cpu", namespace: ns }),
      );
      expect((await sb.run(["jobs", "submit", "-f", file], env)).code).toBe(0);
    }
    api.requests.length = 0;
  });

  it("list prints a table of the configured namespace; -A lists all; --json for scripts", async () => {
    const r = await sb.run(["jobs", "list"], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATE\s+NAMESPACE\s+ACCELERATOR\s+AGE\s+REASON$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["a1", "a2"]);
    expect(api.requests[0]!.query).toEqual({ namespace: "default" });

    const all = await sb.run(["jobs", "list", "-A", "--json"], env);
    expect(JSON.parse(all.stdout).jobs.map((j: { id: string }) => j.id)).toEqual(["a1", "a2", "b1"]);
    expect(api.requests[1]!.query).toEqual({});
  });

  it("list passes --state, --namespace and --limit, and points to the next page", async () => {
    const r = await sb.run(["jobs", "list", "--state", "queued", "--namespace", "default", "--limit", "1"], env);
    expect(api.requests[0]!.query).toEqual({ state: "QUEUED", namespace: "default", limit: "1" });
    expect(r.stdout).toContain("a1");
    expect(r.stdout).not.toContain("a2");
    expect(r.stderr).toContain("More jobs: kinetic jobs list --cursor 1");
    const bad = await sb.run(["jobs", "list", "--state", "sleeping"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--state must be one of QUEUED, BUILDING, SUBMITTED");
    const badLimit = await sb.run(["jobs", "list", "--limit", "0"], env);
    expect(badLimit.code).toBe(2);
  });

  it("list --accelerator asks the API for that accelerator's jobs", async () => {
    const l4 = await specFile("l4.json", JSON.stringify({ id: "g1", image: "img:1", accelerator: "nvidia-l4" }));
    expect((await sb.run(["jobs", "submit", "-f", l4], env)).code).toBe(0);
    api.requests.length = 0;
    const r = await sb.run(["jobs", "list", "--accelerator", "nvidia-l4"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(api.requests[0]!.query).toEqual({ namespace: "default", accelerator: "nvidia-l4" });
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["g1"]);
  });

  it("kinetic --profile X jobs list uses the profile's API URL and namespace", async () => {
    const profiles = join(sb.home, ".kinetic", "profiles.json");
    await mkdir(dirname(profiles), { recursive: true });
    await writeFile(
      profiles,
      JSON.stringify({
        current: null,
        profiles: {
          research: { project: "res-proj", zone: "us-east5-b", cluster: "k", namespace: "research", apiUrl: api.url },
        },
      }),
    );
    const r = await sb.run(["--profile", "research", "jobs", "list"], { KINETIC_API_TOKEN: "test-token" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^b1\s+QUEUED\s+research/m);
    expect(api.requests[0]!.query).toEqual({ namespace: "research" });
  });

  it("status shows the job and its events; a missing job exits 3", async () => {
    const r = await sb.run(["jobs", "status", "a1"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^id:\s+a1$/m);
    expect(r.stdout).toMatch(/^state:\s+RUNNING$/m);
    expect(r.stdout).toMatch(/^Events:$/m);
    expect(r.stdout).toMatch(/QUEUED\s+Accepted/);
    const json = JSON.parse((await sb.run(["jobs", "status", "a1", "--json"], env)).stdout);
    expect(json.job).toMatchObject({ id: "a1", state: "SUCCEEDED" });
    const missing = await sb.run(["jobs", "status", "zz"], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("error: job zz not found\n");
  });

  it("logs prints the text; --worker is passed; --follow streams to the end", async () => {
    const r = await sb.run(["jobs", "logs", "a1", "--worker", "2", "--tail", "5"], env);
    expect(r.stdout).toBe("worker 2: line 1\nworker 2: line 2\n");
    expect(api.requests[0]!.query).toEqual({ worker: "2", tail: "5" });
    const f = await sb.run(["jobs", "logs", "a1", "--follow"], env);
    expect(f.code).toBe(0);
    expect(f.stdout).toBe("worker 0: step 1\nworker 0: step 2\nworker 0: step 3\nworker 0: done\n");
    expect(api.requests[1]!.query).toEqual({ follow: "true" });
    expect((await sb.run(["jobs", "logs", "zz"], env)).code).toBe(3);
  });

  it("cancel reports the new state", async () => {
    const r = await sb.run(["jobs", "cancel", "a2"], env);
    expect(r.stdout).toBe("Job a2: CANCELLED\n");
    expect(api.requests[0]).toMatchObject({ method: "POST", path: "/jobs/a2/cancel", query: {} });
    expect((await sb.run(["jobs", "cancel", "nope"], env)).code).toBe(3);
  });

  it("status, logs and cancel pass --namespace: a job is (namespace, id); without it the server finds the id", async () => {
    await sb.run(["jobs", "status", "b1", "--namespace", "research"], env);
    await sb.run(["jobs", "logs", "b1", "--namespace", "research", "--tail", "1"], env);
    await sb.run(["jobs", "cancel", "b1", "--namespace", "research"], env);
    expect(api.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ["GET", "/jobs/b1", { namespace: "research" }],
      ["GET", "/jobs/b1/logs", { namespace: "research", tail: "1" }],
      ["POST", "/jobs/b1/cancel", { namespace: "research" }],
    ]);
  });

  it("a response that breaks the schema is an error naming the field", async () => {
    api.nextGetBody = { job: { id: "a1", state: "EXPLODED" } };
    const r = await sb.run(["jobs", "status", "a1"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unexpected response from GET /jobs/{id}: job.state:");
  });
});

describe("reaching the API", () => {
  it("an unreachable API is exit 1 with the URL in the message", async () => {
    const url = api.url;
    await api.close();
    api = await startApiTestDouble(); // afterEach closes this one
    const r = await sb.run(["jobs", "list"], { ...env, KINETIC_API_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach the Kinetic API at ${url}: ECONNREFUSED`);
  });

  it("without KINETIC_API_TOKEN the token comes from gcloud; with neither, the error says what to do", async () => {
    const { KINETIC_API_TOKEN: _t, ...noToken } = env;
    const ok = await sb.run(["jobs", "list"], { ...noToken, FAKE_GCLOUD_TOKEN: "gcloud-id-token" });
    expect(ok.code, ok.stderr).toBe(0);
    expect(api.requests.at(-1)!.authorization).toBe("Bearer gcloud-id-token");

    const none = await sb.run(["jobs", "list"], noToken);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no API token: KINETIC_API_TOKEN is not set and gcloud gave none");
    expect(none.stderr).toContain("hint: set KINETIC_API_TOKEN");
  });

  it("at log level DEBUG each request is traced on stderr, without the token", async () => {
    const r = await sb.run(["--log-level", "debug", "jobs", "list"], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`DEBUG GET ${api.url}/jobs?namespace=default -> 200\n`);
    const quiet = await sb.run(["jobs", "list"], env);
    expect(quiet.stderr).toBe("");
  });

  it("the API URL defaults to the cluster's api function (checked via config show, not called)", async () => {
    const r = await sb.run(["config", "show", "--json"], { KINETIC_PROJECT: "my-proj", KINETIC_ZONE: "us-east5-b" });
    expect(JSON.parse(r.stdout).apiUrl.value).toBe("https://us-east5-my-proj.cloudfunctions.net/kinetic-kinetic-api");
  });
});
