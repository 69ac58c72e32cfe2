import { describe, expect, it } from "vitest";
import type { TrialDoc } from "../store/study-store.ts";
import { evenlyThinned, trialForPlot } from "./trial-view.ts";

describe("evenlyThinned", () => {
  it("keeps short lists whole and long ones to the cap, with their first and last items, in order", () => {
    expect(evenlyThinned([1, 2, 3], 5)).toEqual([1, 2, 3]);
    const long = Array.from({ length: 500 }, (_, i) => i);
    const thin = evenlyThinned(long, 100);
    expect(thin).toHaveLength(100);
    expect(thin[0]).toBe(0);
    expect(thin.at(-1)).toBe(499);
    expect([...thin].sort((a, b) => a - b)).toEqual(thin);
    expect(new Set(thin).size).toBe(100);
  });
});

describe("trialForPlot", () => {
  it("thins each series and the pushed steps (numeric order), leaving the rest of the trial as it was", () => {
    const points = Array.from({ length: 500 }, (_, i) => ({ step: i, value: 1 / (i + 1) }));
    const pushed = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [String(i * 10), { loss: i }]));
    const trial = { id: "s-1", state: "RUNNING", series: { loss: points }, pushed } as unknown as TrialDoc;
    const plot = trialForPlot(trial, 50);
    expect(plot.series!.loss).toHaveLength(50);
    expect(plot.series!.loss![49]).toEqual({ step: 499, value: 1 / 500 });
    const steps = Object.keys(plot.pushed!).map(Number);
    expect(steps).toHaveLength(50);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(2990);
    expect(plot.pushed!["2990"]).toEqual({ loss: 299 });
    expect(plot.state).toBe("RUNNING");
    expect(trial.series!.loss).toHaveLength(500);
  });
});
