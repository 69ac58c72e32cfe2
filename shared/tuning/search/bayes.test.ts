import { describe, expect, it } from "vitest";
import type { Hyperparameters } from "../hyperparameters.ts";
import { createSearch } from "./search.ts";

const B = 5.1 / (4 * Math.PI ** 2);
const branin = (x1: number, x2: number) =>
  (x2 - B * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
const braninSpace: Hyperparameters = {
  x1: { type: "double", min: -5, max: 10 },
  x2: { type: "double", min: 0, max: 15 },
};

function bestOf(
  space: Hyperparameters,
  f: (p: Record<string, number | string>) => number,
  trials: number,
  parallel: number,
  seed: number,
) {
  const search = createSearch({ space, seed, algorithm: "bayesianoptimization", objectiveType: "minimize" });
  while (search.history().length < trials) {
    const batch = Array.from({ length: parallel }, () => search.ask()!);
    for (const s of batch) search.tell(s, f(s.params));
  }
  return search.best()!;
}

describe("check 22: a parallel batch has no identical assignments", () => {
  it("on a continuous space, every batch of 4 is distinct and each point differs from earlier ones", () => {
    const search = createSearch({
      space: braninSpace,
      seed: 5,
      algorithm: "bayesianoptimization",
      objectiveType: "minimize",
    });
    for (let round = 0; round < 4; round++) {
      const batch = Array.from({ length: 4 }, () => search.ask()!);
      expect(new Set(batch.map((s) => JSON.stringify(s.params))).size).toBe(4);
      for (const s of batch) search.tell(s, branin(s.params.x1 as number, s.params.x2 as number));
    }
    const all = search.history().map((t) => JSON.stringify(t.params));
    expect(new Set(all).size).toBe(all.length);
  });

  it("on a small discrete space, a batch as large as the space covers it without repeats", () => {
    const space: Hyperparameters = {
      opt: { type: "categorical", values: ["a", "b"] },
      n: { type: "integer", min: 1, max: 3 },
    };
    const search = createSearch({ space, seed: 1, algorithm: "bayesianoptimization", objectiveType: "maximize" });
    for (let i = 0; i < 3; i++) search.tell(search.ask()!, i);
    const batch = Array.from({ length: 3 }, () => search.ask()!);
    const keys = search.history().map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(6);
    expect(batch.every((s) => s.params.opt === "a" || s.params.opt === "b")).toBe(true);
  });

  it("pending trials steer the batch away: the second ask differs from what a sequential ask would give", () => {
    const make = () =>
      createSearch({ space: braninSpace, seed: 8, algorithm: "bayesianoptimization", objectiveType: "minimize" });
    const seq = make();
    for (let i = 0; i < 8; i++) {
      const s = seq.ask()!;
      seq.tell(s, branin(s.params.x1 as number, s.params.x2 as number));
    }
    const first = seq.ask()!;
    const second = seq.ask()!; // first still pending
    const d = Math.hypot(
      (first.params.x1 as number) - (second.params.x1 as number),
      (first.params.x2 as number) - (second.params.x2 as number),
    );
    expect(d).toBeGreaterThan(0.05);
  });
});

describe("degenerate histories", () => {
  it("keeps suggesting valid, fresh points when every value is equal or the space is tiny", () => {
    const space: Hyperparameters = {
      n: { type: "integer", min: 1, max: 4 },
      opt: { type: "categorical", values: ["a", "b"] },
      lr: { type: "discrete", values: [0.1, 0.01] },
    };
    const search = createSearch({ space, seed: 4, algorithm: "bayesianoptimization", objectiveType: "maximize" });
    for (let i = 0; i < 12; i++) search.tell(search.ask()!, 1);
    const keys = search.history().map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(12);
    for (const t of search.history()) {
      expect([1, 2, 3, 4]).toContain(t.params.n);
      expect([0.1, 0.01]).toContain(t.params.lr);
    }
  });
});

describe("failed trials", () => {
  it("steer the model away from a region that crashes instead of luring it back", () => {
    // x1 > 5 "diverges" (NaN): a third of the space, holding one of Branin's three minima.
    const search = createSearch({
      space: braninSpace,
      seed: 1,
      algorithm: "bayesianoptimization",
      objectiveType: "minimize",
    });
    let crashes = 0;
    for (let i = 0; i < 40; i++) {
      const s = search.ask()!;
      const x1 = s.params.x1 as number;
      if (i >= 10 && x1 > 5) crashes++;
      search.tell(s, x1 > 5 ? Number.NaN : branin(x1, s.params.x2 as number));
    }
    expect(crashes).toBeLessThan(10); // ignoring failures, the model spends almost every trial there
    expect(search.best()!.value).toBeLessThan(0.45);
  }, 30_000);
});

describe("check 25 (smoke): the model-based default beats random on Branin", () => {
  // The full check (≥ 10 seeds, beside Optuna's TPE) is `npm run bench -- tuning`; this is one fixed seed.
  it("reaches below random's median best-of-50 (1.10) within 30 trials, sequentially and 4 at a time", () => {
    const f = (p: Record<string, number | string>) => branin(p.x1 as number, p.x2 as number);
    expect(bestOf(braninSpace, f, 30, 1, 1).value).toBeLessThan(1.1);
    expect(bestOf(braninSpace, f, 32, 4, 1).value).toBeLessThan(1.1);
  }, 30_000);

  it("design (e): on a mixed space it finds the categorical the optimum needs", () => {
    // Branin + a categorical shift {a: 0, b: +5, c: +20} + x1 quantised to integers.
    const space: Hyperparameters = {
      x1: { type: "integer", min: -5, max: 10 },
      x2: { type: "double", min: 0, max: 15 },
      shift: { type: "categorical", values: ["b", "c", "a"] },
    };
    const shift: Record<string, number> = { a: 0, b: 5, c: 20 };
    const f = (p: Record<string, number | string>) =>
      branin(p.x1 as number, p.x2 as number) + shift[p.shift as string]!;
    const best = bestOf(space, f, 40, 1, 3);
    expect(best.params.shift).toBe("a");
    expect(Number.isInteger(best.params.x1)).toBe(true);
    // The best integer x1 (3) gives ≈ 0.40 + small; random's median best-of-50 on plain Branin is 1.10.
    expect(best.value).toBeLessThan(1.1);
  }, 30_000);
});
