/**
 * The real CLI against the real API: `kinetic jobs submit --wait`, `status`,
 * `list` and `cancel` as subprocesses, talking to the api function
 * (functions-framework) on the Firestore emulator and the testbed, with
 * syncJobs ticking as the cron would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { setDeps, type Deps } from "../../shared/deps.ts";
import { syncJobs } from "../../shared/jobs/sync.ts";
import { TEST_ANNOTATIONS, createTestNamespace, type TestNamespace } from "../../testbed/index.ts";
import { sandbox, type Sandbox } from "../unit/cli/helpers.ts";
import { TEST_TOKEN, testDeps, uniqueId } from "./support.ts";
import "../../functions/api/index.ts";

let ns: TestNamespace;
let deps: Deps;
let server: Server;
let sb: Sandbox;
let cliEnv: Record<string, string>;
let ticking: NodeJS.Timeout;

beforeAll(async () => {
  ns = await createTestNamespace("cli-e2e");
  deps = testDeps({ namespaces: [ns.name] });
  setDeps(deps);
  server = getTestServer("api");
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  // The syncJobs cron, every half second.
  ticking = setInterval(() => void syncJobs(deps).catch(() => undefined), 500);
  sb = await sandbox();
  cliEnv = {
    KINETIC_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    KINETIC_API_TOKEN: TEST_TOKEN,
    KINETIC_PROJECT: "cli-e2e",
    KINETIC_NAMESPACE: ns.name,
  };
});

afterAll(async () => {
  clearInterval(ticking);
  await new Promise((r) => server?.close(r));
  setDeps(undefined);
  await sb?.cleanup();
  await ns?.cleanup();
});

async function specFile(spec: Record<string, unknown>): Promise<string> {
  const file = join(sb.home, `${uniqueId("job")}.json`);
  await writeFile(file, JSON.stringify(spec));
  return file;
}

describe("kinetic CLI against the API", () => {
  it("submits a job, waits for it to succeed, and shows it in status and list", async () => {
    const id = uniqueId("cli");
    const file = await specFile({ id, command: ["true"], cpu: "100m", memory: "64Mi", accelerator: "nvidia-l4" });
    const submitted = await sb.run(["jobs", "submit", "-f", file, "--wait"], cliEnv);
    expect(submitted.code).toBe(0);
    // Progress goes to stderr, results to stdout.
    expect(submitted.stderr + submitted.stdout).toContain(id);
    expect(submitted.stdout).toContain("SUCCEEDED");

    const status = await sb.run(["jobs", "status", id, "--json"], cliEnv);
    expect(status.code).toBe(0);
    const { job } = JSON.parse(status.stdout) as { job: { state: string; events: { state: string }[] } };
    expect(job.state).toBe("SUCCEEDED");
    expect(job.events.map((e) => e.state)).toContain("SUBMITTED");

    const list = await sb.run(["jobs", "list"], cliEnv);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}.*SUCCEEDED`));
  });

  it("exits 4 when the awaited job fails, and 1 with field errors for an invalid spec", async () => {
    const id = uniqueId("cli-fail");
    const file = await specFile({
      id,
      command: ["false"],
      cpu: "100m",
      memory: "64Mi",
      annotations: { [TEST_ANNOTATIONS.outcome]: "fail", [TEST_ANNOTATIONS.exitCode]: "2" },
    });
    const failed = await sb.run(["jobs", "submit", "-f", file, "--wait"], cliEnv);
    expect(failed.code).toBe(4);

    const bad = await sb.run(["jobs", "submit", "-f", await specFile({ cpu: "lots", accelerator: "tpu-v9" })], cliEnv);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cpu/);
    expect(bad.stderr).toMatch(/accelerator/);
  });

  it("cancels a running job and reports not-found with exit 3", async () => {
    const id = uniqueId("cli-cancel");
    const file = await specFile({
      id,
      command: ["sleep", "3600"],
      cpu: "100m",
      memory: "64Mi",
      annotations: { [TEST_ANNOTATIONS.outcome]: "run" },
    });
    expect((await sb.run(["jobs", "submit", "-f", file], cliEnv)).code).toBe(0);
    const cancelled = await sb.run(["jobs", "cancel", id], cliEnv);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain("CANCELLED");
    expect((await sb.run(["jobs", "status", "no-such-job"], cliEnv)).code).toBe(3);
  });
});
