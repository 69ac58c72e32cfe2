import { describe, expect, it } from "vitest";
import { KineticError, type FieldIssue } from "../errors.ts";
import { parseStudySpec, plannedTrials, studyNotes } from "./study-spec.ts";

const base = {
  hyperparameters: { lr: { type: "double", min: 0.0001, max: 0.1, log: true } },
  objectives: ["accuracy"],
  trialTemplate: { image: "python:3.12-slim", command: ["python", "train.py"], args: ["--lr=${lr}"] },
};

function rejected(input: unknown): { code: string; message: string; issues: FieldIssue[] } {
  try {
    parseStudySpec(input);
  } catch (err) {
    if (err instanceof KineticError) return { code: err.code, message: err.message, issues: err.issues };
    throw err;
  }
  throw new Error("expected the study spec to be rejected");
}

function issueFor(input: unknown, field: string): string {
  const { code, issues } = rejected(input);
  expect(code).toBe("invalid-argument");
  const hit = issues.find((i) => i.field === field);
  if (!hit) throw new Error(`no issue for ${field}; got ${JSON.stringify(issues)}`);
  return hit.message;
}

describe("defaults (Kaptain's tune())", () => {
  it("fills trials 16, parallel 2, failed 4, random, maximize, best-of-series, cancel on goal", () => {
    const spec = parseStudySpec(base);
    expect(spec).toMatchObject({
      trials: 16,
      parallelTrials: 2,
      failedTrials: 4,
      algorithm: "random",
      algorithmSettings: {},
      objectiveType: "maximize",
      metricStrategy: "best",
      onGoal: "cancel",
      deleteStudy: false,
    });
    expect(spec.trialTemplate).toMatchObject({ image: "python:3.12-slim", accelerator: "cpu", args: ["--lr=${lr}"] });
    expect(Object.values(spec)).not.toContain(undefined);
  });

  it("is idempotent: a parsed spec parses to itself", () => {
    const inputs = [
      base,
      { ...base, algorithm: "grid", algorithmSettings: [{ name: "gridPoints", value: "3" }], trials: 3 },
      { ...base, algorithm: "BayesianOptimization", objectiveType: "Minimize", failedTrials: null, objectiveGoal: 0.1 },
      { ...base, earlyStopping: { algorithm: "medianstop", settings: { start_step: "2" } } },
    ];
    for (const input of inputs) {
      const once = parseStudySpec(input);
      expect(parseStudySpec(once)).toEqual(once);
    }
  });

  it("reads Kaptain's type spellings case-insensitively", () => {
    const spec = parseStudySpec({
      ...base,
      hyperparameters: {
        lr: { type: "Double", min: 0.1, max: 1 },
        layers: { type: "Integer", min: 1, max: 4 },
        batch: { type: "Discrete", values: [16, 32] },
        opt: { type: "Categorical", values: ["adam", "sgd"] },
      },
    });
    expect(Object.values(spec.hyperparameters).map((p) => p.type)).toEqual([
      "double",
      "integer",
      "discrete",
      "categorical",
    ]);
  });
});

describe("check 4: budgets are checked up front", () => {
  it("rejects parallelTrials > trials with a clear message", () => {
    expect(issueFor({ ...base, trials: 4, parallelTrials: 8 }, "parallelTrials")).toBe(
      "must be at most trials (4); got 8: no more than trials can ever run",
    );
  });

  it("rejects trials < 1, parallelTrials < 1, failedTrials < 0 and failedTrials > trials", () => {
    expect(issueFor({ ...base, trials: 0 }, "trials")).toBe("must be at least 1");
    expect(issueFor({ ...base, parallelTrials: 0 }, "parallelTrials")).toBe("must be at least 1");
    expect(issueFor({ ...base, failedTrials: -1 }, "failedTrials")).toBe("must be at least 0");
    expect(issueFor({ ...base, trials: 3, failedTrials: 5 }, "failedTrials")).toBe("must be at most trials (3); got 5");
    expect(issueFor({ ...base, trials: 2.5 }, "trials")).toBe("must be a whole number");
  });

  it("lowers a default parallelTrials or failedTrials to a smaller trials instead of failing", () => {
    expect(parseStudySpec({ ...base, trials: 1 })).toMatchObject({ trials: 1, parallelTrials: 1, failedTrials: 1 });
  });
});

describe("check 7, 9, 14, 27, 28: policies the study function reads", () => {
  it("check 7: onGoal is cancel by default, finish on request, nothing else", () => {
    expect(parseStudySpec({ ...base, onGoal: "finish" }).onGoal).toBe("finish");
    expect(issueFor({ ...base, onGoal: "stop" }, "onGoal")).toBe("must be one of cancel, finish");
  });

  it("check 9: failedTrials 0 is kept (first failure fails); null means failures never fail the study", () => {
    expect(parseStudySpec({ ...base, failedTrials: 0 }).failedTrials).toBe(0);
    expect(parseStudySpec({ ...base, failedTrials: null }).failedTrials).toBeNull();
  });

  it("check 14: the objective is best-of-series unless latest is chosen; additional objectives are recorded", () => {
    const spec = parseStudySpec({ ...base, objectives: ["loss", "accuracy"], metricStrategy: "latest" });
    expect(spec).toMatchObject({ objectives: ["loss", "accuracy"], metricStrategy: "latest" });
    expect(issueFor({ ...base, objectives: ["loss", "loss"] }, "objectives.1")).toMatch(/listed twice/);
    expect(issueFor({ ...base, objectives: ["val loss"] }, "objectives.0")).toMatch(/^must be a metric name/);
  });

  it("check 27: the per-trial timeout is the template's timeoutSeconds; the study has its own deadline", () => {
    const spec = parseStudySpec({
      ...base,
      timeoutSeconds: 7200,
      trialTemplate: { ...base.trialTemplate, timeoutSeconds: 600 },
    });
    expect(spec.timeoutSeconds).toBe(7200);
    expect(spec.trialTemplate.timeoutSeconds).toBe(600);
  });

  it("check 28: deleteStudy and ttlSecondsAfterFinished are accepted and checked", () => {
    expect(parseStudySpec({ ...base, deleteStudy: true, ttlSecondsAfterFinished: 60 })).toMatchObject({
      deleteStudy: true,
      ttlSecondsAfterFinished: 60,
    });
    expect(issueFor({ ...base, deleteStudy: "yes" }, "deleteStudy")).toBe("must be true or false");
  });
});

describe("check 20: search-space errors at submit time", () => {
  it("rejects a log scale with min ≤ 0 (Katib #2678)", () => {
    const hp = { lr: { type: "double", min: 0, max: 1, log: true } };
    expect(issueFor({ ...base, hyperparameters: hp }, "hyperparameters.lr.min")).toBe(
      "must be > 0 on a log scale; got 0",
    );
    const int = { n: { type: "integer", min: 0, max: 8, log: true } };
    expect(issueFor({ ...base, hyperparameters: int, trialTemplate: {} }, "hyperparameters.n.min")).toBe(
      "must be ≥ 1 on a log scale; got 0",
    );
  });

  it("rejects empty ranges, bad steps, duplicates and unknown types, each at its field", () => {
    const input = {
      ...base,
      trialTemplate: {},
      hyperparameters: {
        a: { type: "double", min: 1, max: 1 },
        b: { type: "integer", min: 1, max: 10, step: 20 },
        c: { type: "categorical", values: ["x", "x"] },
        d: { type: "float64", min: 0, max: 1 },
        e: { type: "double", min: 1, max: 10, log: true, step: 1 },
        f: { type: "discrete", values: [] },
      },
    };
    const { issues } = rejected(input);
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: "hyperparameters.a.max", message: "must be greater than min (1); got 1" },
        { field: "hyperparameters.b.step", message: "must not exceed max − min (9); got 20" },
        { field: "hyperparameters.c.values.1", message: '"x" is listed twice' },
        { field: "hyperparameters.d.type", message: "type must be one of double, integer, discrete, categorical" },
        { field: "hyperparameters.e.step", message: "cannot be combined with log" },
        { field: "hyperparameters.f.values", message: "must list at least one value" },
      ]),
    );
  });

  it("rejects an empty search space", () => {
    expect(issueFor({ ...base, hyperparameters: {} }, "hyperparameters")).toBe(
      "must define at least one hyperparameter",
    );
  });
});

describe("check 24: algorithms and settings are checked before any trial", () => {
  it("rejects an unknown algorithm, suggesting the nearest", () => {
    expect(issueFor({ ...base, algorithm: "grdi" }, "algorithm")).toBe(
      'unknown algorithm "grdi" (known: random, grid, bayesianoptimization); did you mean "grid"?',
    );
  });

  it("says which Katib algorithms Kinetic does not run", () => {
    expect(issueFor({ ...base, algorithm: "hyperband" }, "algorithm")).toMatch(
      /^"hyperband" is not available in Kinetic/,
    );
  });

  it("rejects unknown settings and bad values, in Kaptain's dict and Katib's list form", () => {
    expect(issueFor({ ...base, algorithm: "random", algorithmSettings: { seed: 1 } }, "algorithmSettings.seed")).toBe(
      "unknown setting for random; known: random_state",
    );
    const katib = [{ name: "n_initial_points", value: "zero" }];
    expect(
      issueFor(
        { ...base, algorithm: "bayesianoptimization", algorithmSettings: katib },
        "algorithmSettings.n_initial_points",
      ),
    ).toBe("must be a whole number from 1 to 1000");
    expect(
      issueFor(
        { ...base, algorithm: "bayesianoptimization", algorithmSettings: { acq_func: "gp_hedge" } },
        "algorithmSettings.acq_func",
      ),
    ).toBe("must be one of EI, PI, LCB");
  });

  it("runs the default (random) with no settings, and fills the model's defaults", () => {
    expect(parseStudySpec(base).algorithm).toBe("random");
    expect(parseStudySpec({ ...base, algorithm: "bayesianoptimization" }).algorithmSettings).toEqual({
      n_initial_points: 5,
      acq_func: "EI",
      base_estimator: "GP",
    });
  });
});

describe("check 23: a grid smaller than trials runs whole, with a note", () => {
  it("plans the whole grid and says so", () => {
    const spec = parseStudySpec({
      ...base,
      algorithm: "grid",
      hyperparameters: {
        x: { type: "double", min: 0.1, max: 0.7, step: 0.2 },
        opt: { type: "categorical", values: ["a", "b"] },
      },
      trialTemplate: {},
    });
    expect(plannedTrials(spec)).toBe(8);
    expect(studyNotes(spec)).toEqual([
      "the grid has 8 points, fewer than trials (16): every point runs once, then the study ends",
    ]);
    expect(studyNotes(parseStudySpec(base))).toEqual([]);
  });
});

describe("the trial template is a Kinetic job spec", () => {
  it("reports the template's problems under trialTemplate.<field>", () => {
    expect(issueFor({ ...base, trialTemplate: { cpus: 2 } }, "trialTemplate.cpus")).toBe(
      'unknown field "cpus"; did you mean "cpu"?',
    );
    expect(issueFor({ ...base, trialTemplate: { workers: 0 } }, "trialTemplate.workers")).toMatch(/>=1|at least|1/);
  });

  it("refuses a template id: the study names its trials", () => {
    expect(issueFor({ ...base, trialTemplate: { id: "x" } }, "trialTemplate.id")).toBe(
      "is set by the study: trial k's job id is <study>-<k>",
    );
  });

  it("checks placeholders name hyperparameters, and only in args and env", () => {
    expect(issueFor({ ...base, trialTemplate: { args: ["--lr=${lrr}"] } }, "trialTemplate.args.0")).toBe(
      '${lrr} names no hyperparameter; did you mean "lr"?',
    );
    expect(issueFor({ ...base, trialTemplate: { env: { LR: "${rate}" } } }, "trialTemplate.env.LR")).toBe(
      "${rate} names no hyperparameter",
    );
    expect(issueFor({ ...base, trialTemplate: { command: ["run-${lr}"] } }, "trialTemplate.command.0")).toBe(
      "parameters are substituted in args and env only",
    );
  });
});

describe("errors look like job-spec errors", () => {
  it("lists {field, message} issues, suggests typo fixes and summarises in the message", () => {
    const err = rejected({ ...base, trails: 3 });
    expect(err.issues).toEqual([{ field: "trails", message: 'unknown field "trails"; did you mean "trials"?' }]);
    expect(err.message).toBe('invalid study spec: trails: unknown field "trails"; did you mean "trials"?');
  });

  it("rejects a non-object and names the required fields", () => {
    expect(rejected(null).issues).toEqual([{ field: "(spec)", message: "must be a study spec object" }]);
    const fields = rejected({}).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["hyperparameters", "objectives", "trialTemplate"]));
  });
});
