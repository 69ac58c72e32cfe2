// The job spec's soft `duration`: Kaiwo's duration form, positive, at most a year; stored as given.
import { describe, expect, it } from "vitest";
import { durationSeconds } from "./duration.ts";
import { parseJobSpec } from "./job-spec.ts";

describe("duration", () => {
  it("reads s, m and h parts", () => {
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("90s")).toBe(90);
    expect(durationSeconds("1.5h")).toBeNaN();
  });

  it("is a spec field, kept as given, refused with the field named when malformed", () => {
    expect(parseJobSpec({ accelerator: "nvidia-l4", duration: "2h" }).duration).toBe("2h");
    for (const bad of ["2 hours", "0s", "9000h", ""]) {
      expect(() => parseJobSpec({ duration: bad }), bad).toThrow(/duration/);
    }
  });
});
