/**
 * The tuning example of `npm start`: examples/tune/study.json (6 trials, 2 at
 * a time, Bayesian optimization of a stdlib Python objective that prints
 * `loss=` lines) created through the HTTP API, then run by the real event
 * path: the API publishes study.drive, tuneStudy submits the trials as jobs,
 * syncJobs publishes each trial's job.finished, tuneStudy records its loss and
 * starts the next. Each trial's end and the best trial are printed.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StudyApiClient, waitForStudy, type StudyStatusView } from "../../shared/client/study-client.ts";

export const STUDY_EXAMPLE_DIR = "examples/tune";

export interface StudyExampleOptions {
  repoRoot: string;
  apiUrl: string;
  token: string;
  /** The local runtime runs the objective from the repository; a real cluster gets it inline. */
  target: "local" | "cluster";
  /** The trials' namespace (default: the spec's, else "default"). */
  namespace?: string;
  say: (line: string) => void;
  signal?: AbortSignal;
}

/** The example study, adapted to where it runs, with a fresh id. */
export function studyExampleSpec(repoRoot: string, target: "local" | "cluster", id: string, namespace?: string) {
  const dir = join(repoRoot, STUDY_EXAMPLE_DIR);
  const spec = JSON.parse(readFileSync(join(dir, "study.json"), "utf8")) as Record<string, unknown> & {
    trialTemplate: Record<string, unknown> & { env?: Record<string, string> };
  };
  const t = spec.trialTemplate;
  const trialTemplate =
    target === "local"
      ? { ...t, env: { ...t.env, EXAMPLE_DIR: dir } }
      : // Kubernetes expands $(EXAMPLE_SCRIPT) in the command, so the stock python image runs the objective as is.
        {
          ...t,
          command: ["python3", "-u", "-c", "$(EXAMPLE_SCRIPT)"],
          env: { ...t.env, EXAMPLE_SCRIPT: readFileSync(join(dir, "objective.py"), "utf8") },
        };
  return { ...spec, id, trialTemplate: { ...trialTemplate, ...(namespace ? { namespace } : {}) } };
}

/** Runs the example study to its end and returns its final status (the caller decides what failure means). */
export async function runStudyExample(options: StudyExampleOptions): Promise<StudyStatusView> {
  const { say } = options;
  const id = `example-study-${randomBytes(3).toString("hex")}`;
  const api = new StudyApiClient({ baseUrl: options.apiUrl, token: async () => options.token });
  const study = await api.createStudy(studyExampleSpec(options.repoRoot, options.target, id, options.namespace));
  say(`Created study ${study.namespace}/${study.id}: ${study.plannedTrials} trials, 2 at a time (tuneStudy runs them)`);
  const reported = new Set<string>();
  const report = async () => {
    for (const t of await api.studyTrials(study.id, study.namespace)) {
      const state = String(t.state);
      if (["CREATED", "PENDING"].includes(state) || reported.has(String(t.id))) continue;
      reported.add(String(t.id));
      const value = typeof t.objective === "number" ? `loss ${t.objective.toPrecision(4)}` : String(t.reason ?? "");
      say(`  trial ${String(t.id).padEnd(24)} ${state.padEnd(19)} ${value}  ${JSON.stringify(t.params)}`);
    }
  };
  const status = await waitForStudy(api, study.id, study.namespace, {
    pollMs: { first: 500, max: 1_000 },
    onProgress: () => void report().catch(() => undefined),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await report();
  say(`Study ${status.id} ${status.state}${status.reason ? ` (${status.reason})` : ""}`);
  if (status.best)
    say(
      `  best: trial ${status.best.trialId}, loss ${status.best.value}, parameters ${JSON.stringify(status.best.params)}`,
    );
  return status;
}
