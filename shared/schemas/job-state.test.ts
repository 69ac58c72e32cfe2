import { describe, expect, it } from "vitest";
import { JOB_STATES, canTransition, isTerminal } from "./job-state.ts";

describe("job state machine", () => {
  it("moves forward along QUEUED → SUBMITTED → PENDING → RUNNING → SUCCEEDED", () => {
    const path = ["QUEUED", "SUBMITTED", "PENDING", "RUNNING", "SUCCEEDED"] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it("puts BUILDING between QUEUED and SUBMITTED: a job waits for its image, then goes on, never back", () => {
    expect(canTransition("QUEUED", "BUILDING")).toBe(true);
    expect(canTransition("BUILDING", "SUBMITTED")).toBe(true);
    expect(canTransition("BUILDING", "FAILED")).toBe(true);
    expect(canTransition("BUILDING", "QUEUED")).toBe(false);
    expect(canTransition("SUBMITTED", "BUILDING")).toBe(false);
  });

  it("never moves backwards", () => {
    expect(canTransition("RUNNING", "PENDING")).toBe(false);
    expect(canTransition("SUBMITTED", "QUEUED")).toBe(false);
  });

  it("lets a job skip ahead (a short job can go from SUBMITTED straight to SUCCEEDED)", () => {
    expect(canTransition("SUBMITTED", "SUCCEEDED")).toBe(true);
    expect(canTransition("QUEUED", "REJECTED")).toBe(true);
  });

  it("makes every terminal state absorbing", () => {
    for (const from of JOB_STATES.filter(isTerminal)) {
      for (const to of JOB_STATES) expect(canTransition(from, to)).toBe(false);
    }
  });
});
