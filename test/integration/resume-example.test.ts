/**
 * The `npm start` preemption demo (scripts/examples/resume-example.ts) on the local stack in this process:
 * examples/train checkpoints each epoch, `POST /jobs/{id}/preempt` (what `kinetic jobs preempt` sends) stops it
 * as a spot reclaim would after epoch 3, syncJobs starts attempt 2, and the script resumes from its checkpoint —
 * its log says "resumed from epoch=3" and never prints epoch 1 again — to end SUCCEEDED with both attempts on
 * the record and the model in the job's output folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runResumeExample } from "../../scripts/examples/resume-example.ts";
import { LocalStack } from "../../scripts/lib/local-stack.ts";
import { createLogger } from "../../shared/log.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
let stack: LocalStack;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "kinetic-resume-example-it-"));
  stack = new LocalStack({
    dataDir,
    project: "kinetic-resume-example-it",
    cluster: { kind: "local" },
    cronIntervalMs: 500,
    log: createLogger({}, (line) => void logLines.push(line)),
    say: () => {},
  });
  await stack.start();
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the npm start preemption example", () => {
  it("preempted after epoch 3, resumes from its checkpoint as attempt 2 and SUCCEEDS with 2 attempts", async () => {
    const said: string[] = [];
    const result = await runResumeExample({
      repoRoot: REPO_ROOT,
      apiUrl: stack.apiUrl,
      token: stack.token,
      say: (l) => void said.push(l),
    });
    const context = `${said.join("\n")}\n${logLines.filter((l) => /ERROR|WARN/.test(l)).join("\n")}`;
    expect(result.job.state, context).toBe("SUCCEEDED");
    expect(
      result.job.attempts?.map((a) => a.outcome),
      context,
    ).toEqual(["Disrupted", "Succeeded"]);
    // Attempt 2 went on from the checkpoint (epoch 3, or 4 if the stop landed after the next one), not from 1.
    expect(result.resumedFrom, context).toBeGreaterThanOrEqual(3);
    const attempt2 = said.filter((l) => l.includes("│"));
    expect(
      attempt2.some((l) => /attempt=2/.test(l)),
      context,
    ).toBe(true);
    expect(
      attempt2.some((l) => /epoch=1 /.test(l)),
      context,
    ).toBe(false);
    expect(
      attempt2.some((l) => /epoch=8 /.test(l)),
      context,
    ).toBe(true);
    const model = join(stack.outputRoot, "default", result.job.id, "model.json");
    expect(existsSync(model), context).toBe(true);
    expect(JSON.parse(readFileSync(model, "utf8"))).toMatchObject({ epochs: 8 });
  }, 240_000);
});
