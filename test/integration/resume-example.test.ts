/**
 * The `npm start` preemption demo (scripts/examples/resume-example.ts) on the local stack in this process:
 * examples/train checkpoints each epoch, `POST /jobs/{id}/preempt` (what `kinetic jobs preempt` sends) stops it
 * as a spot reclaim would after epoch 3, syncJobs starts attempt 2, and the script resumes from its checkpoint —
 * its log says "resumed from epoch=3" and never prints epoch 1 again — to end SUCCEEDED with both attempts on
 * the record and the model in the job's output folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { useLocalStack } from "./local-stack-support.ts";
import { runResumeExample } from "../../scripts/examples/resume-example.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const local = useLocalStack("resume-example");

describe("the npm start preemption example", () => {
  it("preempted after epoch 3, resumes from its checkpoint as attempt 2 and SUCCEEDS with 2 attempts", async () => {
    const said: string[] = [];
    const result = await runResumeExample({
      repoRoot: REPO_ROOT,
      apiUrl: local.stack.apiUrl,
      token: local.stack.token,
      say: (l) => void said.push(l),
    });
    const context = `${said.join("\n")}\n${local.problems()}`;
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
    const model = join(local.stack.outputRoot, "default", result.job.id, "model.json");
    expect(existsSync(model), context).toBe(true);
    expect(JSON.parse(readFileSync(model, "utf8"))).toMatchObject({ epochs: 8 });
  }, 240_000);
});
