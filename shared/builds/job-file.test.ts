import { describe, expect, it } from "vitest";
import { parseJobSpec } from "../schemas/job-spec.ts";
import { fileJobId, fileJobSpecs, parseJobFile } from "./job-file.ts";

const SHA = "0123456789ab".padEnd(40, "f");

describe("kinetic.jobs.yaml", () => {
  it("turns each entry into a job spec the API accepts: id from name and commit, the push's namespace and build", () => {
    const entries = parseJobFile(
      "jobs:\n  - name: train\n    command: [python, train.py]\n    env: { EPOCHS: '2' }\n  - name: eval\n    command: [python, eval.py]\n",
    );
    const build = {
      context: { kind: "git", url: "file:///r.git", commit: SHA },
      baseImage: "r/base:1",
      accelerator: "cpu",
    };
    const specs = fileJobSpecs(entries, { namespace: "ml", commit: SHA, repository: "acme/train", build });
    expect(specs.map((s) => s.id)).toEqual(["train-0123456789ab", "eval-0123456789ab"]);
    expect(specs[0]).toMatchObject({
      namespace: "ml",
      build,
      env: { GIT_REPOSITORY: "acme/train", GIT_COMMIT: SHA, EPOCHS: "2" },
    });
    for (const s of specs) expect(() => parseJobSpec(s)).not.toThrow();
    expect(fileJobId("train", SHA)).toBe("train-0123456789ab");
  });

  it("refuses what Kinetic sets, unnamed or duplicate jobs, other top-level keys and bad YAML, naming the field", () => {
    const bad = (text: string) => {
      try {
        parseJobFile(text);
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(bad("jobs:\n  - name: t\n    image: x\n")).toMatch(/jobs\.0\.image: set by Kinetic/);
    expect(bad("jobs:\n  - name: t\n    id: x\n")).toMatch(/jobs\.0\.id: set by Kinetic/);
    expect(bad("jobs:\n  - command: [x]\n")).toMatch(/jobs\.0\.name: required/);
    expect(bad("jobs:\n  - name: Train_1\n")).toMatch(/jobs\.0\.name: must be/);
    expect(bad("jobs:\n  - name: t\n  - name: t\n")).toMatch(/two jobs are named t/);
    expect(bad("job:\n  - name: t\n")).toMatch(/unknown field/);
    expect(bad("jobs: [\n")).toMatch(/does not parse/);
    expect(bad("jobs: []\n")).toMatch(/jobs/);
  });
});
