import { describe, expect, it } from "vitest";
import { KineticError, MAX_MESSAGE_CHARS, truncateText } from "../errors.ts";
import { JOB_SPEC_LIMITS, parseJobSpec } from "./job-spec.ts";
import { MAX_ISSUES } from "./job-spec-issues.ts";
import { jsonBytes } from "./job-spec-limits.ts";

function rejection(input: unknown): KineticError {
  try {
    parseJobSpec(input);
  } catch (err) {
    if (err instanceof KineticError) return err;
    throw err;
  }
  throw new Error("expected the spec to be rejected");
}

/** A map with n entries: {K0: v, K1: v, …}. */
const entries = (n: number, value = "v", key = (i: number) => `K${i}`) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value]));

describe("sizes of lists and maps", () => {
  it("accepts each list and map at its limit", () => {
    const spec = parseJobSpec({
      command: Array.from({ length: JOB_SPEC_LIMITS.command }, () => "x"),
      args: Array.from({ length: JOB_SPEC_LIMITS.args }, () => "x"),
      env: entries(JOB_SPEC_LIMITS.env),
      labels: entries(JOB_SPEC_LIMITS.labels, "v", (i) => `l${i}`),
      tolerations: Array.from({ length: JOB_SPEC_LIMITS.tolerations }, (_, i) => ({
        key: `k${i}`,
        operator: "Exists",
      })),
    });
    expect(Object.keys(spec.env)).toHaveLength(JOB_SPEC_LIMITS.env);
  });

  it("refuses one entry too many with one issue per field, without checking the entries", () => {
    const err = rejection({
      env: entries(JOB_SPEC_LIMITS.env + 1, "v", (i) => `bad name ${i}`),
      args: Array.from({ length: JOB_SPEC_LIMITS.args + 1 }, () => 1),
      tolerations: Array.from({ length: JOB_SPEC_LIMITS.tolerations + 1 }, () => ({})),
      nodeSelector: Array.from({ length: JOB_SPEC_LIMITS.nodeSelector + 1 }, (_, i) => `k${i}=v`).join(","),
      resources: { limits: entries(JOB_SPEC_LIMITS.resources + 1, "1", (i) => `example.com/r${i}`) },
    });
    expect(err.code).toBe("invalid-argument");
    expect(err.issues).toEqual([
      { field: "args", message: `at most ${JOB_SPEC_LIMITS.args} entries (got ${JOB_SPEC_LIMITS.args + 1})` },
      { field: "tolerations", message: expect.stringContaining("at most") },
      { field: "env", message: `at most ${JOB_SPEC_LIMITS.env} entries (got ${JOB_SPEC_LIMITS.env + 1})` },
      { field: "nodeSelector", message: expect.stringContaining("at most") },
      { field: "resources.limits", message: expect.stringContaining("at most") },
    ]);
  });

  it("refuses a spec larger than the limit, however it is made up", () => {
    const err = rejection({ args: ["x".repeat(JOB_SPEC_LIMITS.specBytes)] });
    expect(err.issues).toEqual([
      { field: "(spec)", message: "the job spec is 524301 bytes as JSON; the limit is 524288 (512 KiB)" },
    ]);
    const huge = rejection({ env: entries(200_000) });
    expect(huge.issues.map((i) => i.field)).toEqual(["(spec)", "env"]);
  });

  it("refuses what is not a plain object in one issue (a Buffer is not a spec with a field per byte)", () => {
    for (const input of [Buffer.from("x".repeat(5000)), [1, 2], "text", null, 5]) {
      const err = rejection(input);
      expect(err.issues).toHaveLength(1);
      expect(err.issues[0]).toMatchObject({
        field: "(spec)",
        message: expect.stringMatching(/^expected a JSON object/),
      });
    }
  });

  it("counts the normalised spec too, so a stored spec always parses again", () => {
    // Node selectors as "k=v" strings grow once they become a map; the limit holds for both forms.
    const nodeSelector = Array.from({ length: JOB_SPEC_LIMITS.nodeSelector }, (_, i) => `k${i}=${"v".repeat(60)}`);
    const spec = parseJobSpec({ nodeSelector: nodeSelector.join(",") });
    expect(parseJobSpec(spec)).toEqual(spec);
    const pad = JOB_SPEC_LIMITS.specBytes - jsonBytes({ env: { A: "" } })! - 1;
    const atLimit = { env: { A: "x".repeat(pad) } };
    expect(jsonBytes(atLimit)).toBeLessThanOrEqual(JOB_SPEC_LIMITS.specBytes);
    // Filling in the defaults takes it over the limit: refused, naming the normalised form.
    expect(rejection(atLimit).issues[0]!.message).toMatch(/^the job spec once normalised is/);
  });
});

describe("bounded error lists", () => {
  it("lists the first problems and counts the rest", () => {
    const err = rejection({ env: entries(1000, "v", (i) => `bad name ${i}`) });
    expect(err.issues).toHaveLength(MAX_ISSUES + 1);
    expect(err.issues.at(-1)).toEqual({
      field: "(spec)",
      message: `${1000 - MAX_ISSUES} more problems not listed; fix the ones above first`,
    });
    expect(err.message.length).toBeLessThan(10_000);
  });

  it("bounds unknown fields and their did-you-mean search", () => {
    const started = performance.now();
    const err = rejection(entries(20_000, "v", (i) => `field${i}`));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(err.issues).toHaveLength(MAX_ISSUES + 1);
    expect(err.issues.at(-1)!.message).toMatch(/^19980 more problems/);
  });

  it("cuts echoed values and keys to a readable length", () => {
    const long = "k".repeat(100_000);
    const err = rejection({ [long]: 1, memory: "9".repeat(100_000) + "x" });
    for (const i of err.issues) {
      expect(i.field.length).toBeLessThanOrEqual(200);
      expect(i.message.length).toBeLessThanOrEqual(400);
    }
    expect(err.issues.map((i) => i.message).join()).toContain("(truncated:");
  });
});

describe("truncateText", () => {
  it("keeps short text and cuts long text to the limit with a note", () => {
    expect(truncateText("short")).toBe("short");
    const cut = truncateText("x".repeat(MAX_MESSAGE_CHARS * 3));
    expect(cut.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(cut).toMatch(/… \(truncated: \d+ more characters\)$/);
    expect(truncateText("abcdefghij".repeat(10), 40).length).toBeLessThanOrEqual(40);
  });
});
