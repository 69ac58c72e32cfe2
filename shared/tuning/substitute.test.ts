import { describe, expect, it } from "vitest";
import { parseJobSpec } from "../schemas/job-spec.ts";
import { formatValue, placeholders, substitute, trialJobId, trialJobSpec } from "./substitute.ts";

describe("substitute", () => {
  it("replaces ${name} with the trial's value, in its shortest exact form", () => {
    expect(substitute("--lr=${lr} --opt ${opt}", { lr: 0.001, opt: "adam" })).toBe("--lr=0.001 --opt adam");
    expect(substitute("${a}${a}", { a: 3 })).toBe("33");
    expect([formatValue(1e-5), formatValue(1e-7), formatValue(12)]).toEqual(["0.00001", "1e-7", "12"]);
    expect(substitute("${x}", { x: 0.30000000000000004 })).toBe("0.30000000000000004");
  });

  it("keeps $${name} as a literal ${name}, and leaves unknown names as written", () => {
    expect(substitute("$${lr} ${lr} ${other}", { lr: 2 })).toBe("${lr} 2 ${other}");
    expect(placeholders("$${lr} ${lr} ${b}")).toEqual(["lr", "b"]);
  });
});

describe("trialJobSpec", () => {
  const template = parseJobSpec({
    image: "python:3.12-slim",
    command: ["python", "train.py"],
    args: ["--lr", "${lr}", "--opt=${opt}"],
    env: { LAYERS: "${layers}", MODE: "fixed" },
  });

  it("substitutes into args and env and leaves the rest of the job alone", () => {
    const spec = trialJobSpec(template, { lr: 0.01, opt: "sgd", layers: 4 });
    expect(spec.args).toEqual(["--lr", "0.01", "--opt=sgd"]);
    expect(spec.env).toEqual({ LAYERS: "4", MODE: "fixed" });
    expect(spec.command).toEqual(["python", "train.py"]);
    expect(template.args).toEqual(["--lr", "${lr}", "--opt=${opt}"]);
    // The result is still a valid job spec.
    expect(parseJobSpec(spec).args).toEqual(["--lr", "0.01", "--opt=sgd"]);
  });

  it("appends --name=value args (Kaptain's convention) when the template references no parameter", () => {
    const plain = parseJobSpec({ command: ["python", "train.py"], args: ["--epochs=3"] });
    expect(trialJobSpec(plain, { "--batch-size": 32, lr: 0.1 }).args).toEqual([
      "--epochs=3",
      "--batch-size=32",
      "--lr=0.1",
    ]);
    expect(trialJobSpec(parseJobSpec({}), { b: "x", a: 1 }).args).toEqual(["--a=1", "--b=x"]);
  });
});

describe("check 19: trial job ids are deterministic", () => {
  it("names trial k <study>-<k>, a valid job id even for the longest study id", () => {
    expect(trialJobId("mnist-lr", 12)).toBe("mnist-lr-12");
    expect(trialJobId("a".repeat(40), 9999)).toHaveLength(45);
    expect(() => trialJobId("s", -1)).toThrow();
  });
});
