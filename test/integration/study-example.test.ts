/**
 * The `npm start` tuning example (scripts/examples/study-example.ts) on the
 * local stack in this process: its own Firestore and Pub/Sub emulators, every
 * function served over HTTP with its push subscriptions (tuneStudy on the
 * tuning and job-events topics, as deployed), syncJobs on a 0.5 s cron, and
 * the local runtime running examples/tune/objective.py as each trial. Nothing
 * is called directly: the study goes API → tuning topic → tuneStudy → jobs →
 * syncJobs → job-events topic → tuneStudy, as in the cloud.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { useLocalStack } from "./local-stack-support.ts";
import { runStudyExample } from "../../scripts/examples/study-example.ts";
import { StudyApiClient } from "../../shared/client/study-client.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const local = useLocalStack("study-example");

describe("the npm start tuning example", () => {
  it("runs 6 trials of the Python objective, 2 at a time, to Succeeded and prints the best trial", async () => {
    const said: string[] = [];
    const status = await runStudyExample({
      repoRoot: REPO_ROOT,
      apiUrl: local.stack.apiUrl,
      token: local.stack.token,
      target: "local",
      say: (l) => void said.push(l),
    });
    const context = `${said.join("\n")}\n${local.problems()}`;
    expect(status, context).toMatchObject({
      state: "SUCCEEDED",
      reason: "MaxTrialsReached",
      created: 6,
      counts: { succeeded: 6, failed: 0, metricsUnavailable: 0, pending: 0, running: 0 },
    });
    // The best is the lowest loss the objective printed, among the trials' own values.
    const api = new StudyApiClient({ baseUrl: local.stack.apiUrl, token: async () => local.stack.token });
    const trials = await api.studyTrials(status.id, status.namespace);
    const losses = trials.map((t) => t.objective as number);
    expect(status.best!.value).toBe(Math.min(...losses));
    expect(Object.keys(status.best!.params).sort()).toEqual(["lr", "momentum"]);
    expect(status.best!.metrics).toEqual({ loss: status.best!.value });
    expect(said.filter((l) => /^ {2}trial .* SUCCEEDED +loss /.test(l))).toHaveLength(6);
    expect(said.at(-1)).toMatch(/best: trial example-study-\w+-\d, loss [\d.e-]+, parameters \{"lr":/);
  }, 240_000);
});
