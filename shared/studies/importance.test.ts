import { describe, expect, it } from "vitest";
import type { Hyperparameters } from "../tuning/hyperparameters.ts";
import { binOf, MIN_IMPORTANCE_TRIALS, omegaSquared, parameterImportance, type ImportanceTrial } from "./importance.ts";

/** A seeded generator (mulberry32): the tests are deterministic too. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPACE: Hyperparameters = {
  lr: { type: "double", min: 1e-4, max: 1, log: true },
  momentum: { type: "double", min: 0, max: 0.9 },
  optimizer: { type: "categorical", values: ["adam", "sgd", "rmsprop"] },
  layers: { type: "integer", min: 1, max: 4 },
};

/** The objective follows log10(lr) strongly, the optimizer a little, and ignores momentum and layers. */
function trials(n: number, seed = 1): ImportanceTrial[] {
  const r = rng(seed);
  const opt = ["adam", "sgd", "rmsprop"];
  return Array.from({ length: n }, () => {
    const lr = 10 ** (-4 + 4 * r());
    const optimizer = opt[Math.floor(r() * 3)]!;
    const params = { lr, momentum: 0.9 * r(), optimizer, layers: 1 + Math.floor(r() * 4) };
    const objective = (Math.log10(lr) + 2) ** 2 + (optimizer === "sgd" ? 1.5 : 0) + 0.1 * r();
    return { state: "SUCCEEDED", params, objective };
  });
}

describe("parameterImportance (main-effect variance share)", () => {
  it("ranks the parameter that drives the objective first and scores ignored ones ~0", () => {
    const report = parameterImportance(SPACE, trials(200));
    const by = Object.fromEntries(report.importance!.map((p) => [p.name, p]));
    expect(report.importance![0]!.name).toBe("lr");
    expect(by.lr!.varianceExplained).toBeGreaterThan(0.5);
    expect(by.optimizer!.importance).toBeGreaterThan(by.momentum!.importance);
    expect(by.momentum!.importance).toBeLessThan(0.06);
    expect(by.layers!.importance).toBeLessThan(0.06);
    expect(report.importance!.reduce((s, p) => s + p.importance, 0)).toBeCloseTo(1, 10);
  });

  it("keeps ignored parameters near 0 on average with few trials (ω² corrects the chance spread of bin means)", () => {
    const runs = Array.from({ length: 40 }, (_, seed) =>
      Object.fromEntries(parameterImportance(SPACE, trials(16, seed + 1)).importance!.map((p) => [p.name, p])),
    );
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    // The plain correlation ratio SSB/SST would average (k − 1)/(n − 1) = 0.2 here for a parameter with no effect.
    expect(mean(runs.map((r) => r.momentum!.varianceExplained))).toBeLessThan(0.08);
    expect(runs.filter((r) => r.lr!.importance > r.momentum!.importance).length).toBeGreaterThanOrEqual(36);
  });

  it("is deterministic: the same trials give the same report, in any order", () => {
    const t = trials(50, 7);
    expect(parameterImportance(SPACE, t)).toEqual(parameterImportance(SPACE, t));
    const shuffled = parameterImportance(SPACE, [...t].reverse()).importance!;
    parameterImportance(SPACE, t).importance!.forEach((p, i) => {
      expect(shuffled[i]!.name).toBe(p.name);
      expect(shuffled[i]!.importance).toBeCloseTo(p.importance, 9);
    });
  });

  it("uses completed trials only and says so below the minimum", () => {
    const t = trials(MIN_IMPORTANCE_TRIALS - 1);
    const failed: ImportanceTrial[] = [
      { state: "FAILED", params: t[0]!.params },
      { state: "EARLY_STOPPED", params: t[0]!.params, objective: 1 },
      { state: "SUCCEEDED", params: t[0]!.params, objective: Number.NaN },
    ];
    const report = parameterImportance(SPACE, [...t, ...failed]);
    expect(report.completed).toBe(MIN_IMPORTANCE_TRIALS - 1);
    expect(report.importance).toBeUndefined();
    expect(report.note).toContain(`at least ${MIN_IMPORTANCE_TRIALS} completed trials`);
    expect(parameterImportance(SPACE, trials(MIN_IMPORTANCE_TRIALS)).importance).toHaveLength(4);
  });

  it("reports all zeros with a note when the objective does not vary", () => {
    const flat = trials(20).map((t) => ({ ...t, objective: 3 }));
    const report = parameterImportance(SPACE, flat);
    expect(report.importance!.every((p) => p.importance === 0 && p.varianceExplained === 0)).toBe(true);
    expect(report.note).toContain("did not vary");
  });
});

describe("binOf", () => {
  it("bins a log-scaled parameter by decade, a linear one evenly, categories and small integer ranges by value", () => {
    const lr = SPACE.lr!;
    expect(binOf(lr, 1e-4, 4)).toBe("0");
    expect(binOf(lr, 2e-3, 4)).toBe("1");
    expect(binOf(lr, 0.5, 4)).toBe("3");
    expect(binOf(lr, 1, 4)).toBe("3");
    expect(binOf(SPACE.momentum!, 0.44, 2)).toBe("0");
    expect(binOf(SPACE.momentum!, 0.46, 2)).toBe("1");
    expect(binOf(SPACE.optimizer!, "sgd", 2)).toBe("sgd");
    expect(binOf(SPACE.layers!, 3, 10)).toBe("3");
    expect(binOf({ type: "integer", min: 1, max: 100 }, 100, 10)).toBe("9");
    expect(binOf(SPACE.momentum!, undefined, 4)).toBeUndefined();
  });
});

describe("omegaSquared", () => {
  it("is 1 when bins separate the objective exactly, 0 when they are one group or the objective is flat", () => {
    expect(omegaSquared(["a", "a", "b", "b"], [1, 1, 5, 5]).omega2).toBe(1);
    expect(omegaSquared(["a", "a", "a"], [1, 2, 3]).omega2).toBe(0);
    expect(omegaSquared(["a", "b", "a", "b"], [2, 2, 2, 2]).omega2).toBe(0);
  });
});
