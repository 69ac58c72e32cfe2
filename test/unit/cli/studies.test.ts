// `kinetic tune` and `kinetic studies …` in-process against the real API app with the study routes mounted
// (memory deps behind it, served on 127.0.0.1), so what users see is checked end to end through HTTP.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../../functions/api/app.ts";
import { studyRoutes } from "../../../functions/api/study-routes.ts";
import { driveStudy } from "../../../shared/studies/drive.ts";
import { studyTestDeps, studyWorker, testStudySpec } from "../../../shared/studies/study-test-kit.ts";
import { tune } from "../../../shared/sdk.ts";
import { MEMORY_TOKEN } from "../../../shared/testing.ts";
import { createContext } from "../../../cli/context.ts";
import type { Io } from "../../../cli/output.ts";
import { registerStudiesCommands } from "../../../cli/commands/studies.ts";

let server: Server;
let url: string;
let dir: string;
const deps = studyTestDeps();

beforeAll(async () => {
  server = createApiApp(async () => deps, [studyRoutes]).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), "kinetic-studies-"));
});
afterAll(() => new Promise((r) => server.close(r)));

async function kinetic(...args: string[]) {
  const out: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => out.push(t), stderrIsTty: false, stdinIsTty: false };
  const program = new Command().exitOverride();
  const env = {
    KINETIC_API_URL: url,
    KINETIC_API_TOKEN: MEMORY_TOKEN,
    KINETIC_NAMESPACE: "ns",
    KINETIC_PROJECT: "my-project",
    KINETIC_PROFILES_FILE: join(dir, "profiles.json"),
  };
  registerStudiesCommands(program, createContext(program, io, env));
  await program.parseAsync(args, { from: "user" });
  return out.join("");
}

describe("kinetic tune / studies", () => {
  it("creates a study from a file, then shows status, trials, best and cancels it", async () => {
    const file = join(dir, "study.json");
    await writeFile(file, JSON.stringify(testStudySpec({ trials: 3 })));
    expect(await kinetic("tune", "-f", file)).toBe("Study ns/st (CREATED)\n");
    // tuneStudy's part: the API published study.drive, whose delivery starts the first trials.
    await driveStudy(deps, { namespace: "ns", id: "st" });
    expect(await kinetic("studies", "ls")).toMatch(/st\s+RUNNING\s+TrialsStarted\s+2\/3/);
    const status = await kinetic("studies", "status", "st");
    expect(status).toMatch(/pending 2, running 0, succeeded 0, failed 0/);
    expect(status).toMatch(/best:\s+none yet/);
    expect(await kinetic("studies", "trials", "st")).toMatch(/st-0\s+PENDING/);
    await deps.studies.reportMetrics("ns", "st-0", 1, { accuracy: 0.5 });
    expect(await kinetic("studies", "cancel", "st")).toBe("Study st CANCELLED\n");
    const json = JSON.parse(await kinetic("studies", "status", "st", "--json")) as { counts: { cancelled: number } };
    expect(json.counts.cancelled).toBe(2);
    await expect(kinetic("studies", "best", "st")).rejects.toMatchObject({ httpStatus: 404 });
  });

  it("tune --wait follows the study to its end, prints the best trial and exits 0 only when it succeeded", async () => {
    const stop = studyWorker(deps, (jobId) =>
      jobId.startsWith("good-") ? { ok: true, logs: `accuracy=0.${jobId.slice(-1)}1` } : { ok: false },
    );
    try {
      const good = join(dir, "good.json");
      await writeFile(good, JSON.stringify(testStudySpec({ id: "good", trials: 4 })));
      const out = await kinetic("tune", "-f", good, "--wait");
      expect(out).toMatch(/state:\s+SUCCEEDED \(MaxTrialsReached\)/);
      expect(out).toMatch(/counts:\s+pending 0, running 0, succeeded 4, failed 0/);
      expect(out).toMatch(/best:\s+trial 3 \(good-3\) = 0\.31 /);
      expect(out).toMatch(/metrics:\s+\{"accuracy":0\.31\}/);

      const bad = join(dir, "bad.json");
      await writeFile(bad, JSON.stringify(testStudySpec({ id: "bad", trials: 4, failedTrials: 2 })));
      await expect(kinetic("tune", "-f", bad, "--wait")).rejects.toMatchObject({ exitCode: 4 });
      expect(await kinetic("studies", "status", "bad")).toMatch(/state:\s+FAILED \(MaxFailedTrials\)/);
    } finally {
      await stop();
    }
  }, 30_000);

  it("SDK tune(spec, {wait}) returns the best trial's parameters and metrics", async () => {
    const stop = studyWorker(deps, (jobId) => ({ ok: true, logs: `accuracy=0.${jobId.slice(-1)}5` }));
    try {
      const options = { apiUrl: url, apiToken: MEMORY_TOKEN, namespace: "ns", env: {} };
      const created = await tune(testStudySpec({ id: "sdk-a", trials: 2 }), options);
      expect(created).toEqual({ id: "sdk-a", namespace: "ns", state: "CREATED" });
      const done = await tune(testStudySpec({ id: "sdk-b", trials: 3 }), { ...options, wait: true });
      const best = (await deps.studies.get({ namespace: "ns", id: "sdk-b" }))!.best!;
      expect(done).toMatchObject({ state: "SUCCEEDED", reason: "MaxTrialsReached", metrics: { accuracy: 0.25 } });
      expect(done.params).toEqual(best.params);
      expect(best.trialId).toBe("sdk-b-2");
    } finally {
      await stop();
    }
  }, 30_000);
});
