import { describe, expect, it } from "vitest";
import type { Hyperparameters } from "../hyperparameters.ts";
import { createSearch } from "./search.ts";

const B = 5.1 / (4 * Math.PI ** 2);
const functions: { name: string; space: Hyperparameters; f: (a: number, b: number) => number; median200: number }[] = [
  {
    name: "Branin",
    space: { x1: { type: "double", min: -5, max: 10 }, x2: { type: "double", min: 0, max: 15 } },
    f: (x1, x2) => (x2 - B * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10,
    median200: 0.57,
  },
  {
    name: "Rosenbrock-2",
    space: { x1: { type: "double", min: -5, max: 10 }, x2: { type: "double", min: -5, max: 10 } },
    f: (x1, x2) => 100 * (x2 - x1 * x1) ** 2 + (1 - x1) ** 2,
    median200: 2.5,
  },
];

describe("check 25: random best-of-200 medians match the reference (section 9)", () => {
  for (const { name, space, f, median200 } of functions)
    it(`${name}: median best-of-200 within 25 % of ${median200}`, () => {
      const bests = Array.from({ length: 301 }, (_, seed) => {
        const search = createSearch({ space, seed, algorithm: "random", objectiveType: "minimize" });
        for (let i = 0; i < 200; i++) {
          const s = search.ask()!;
          search.tell(s, f(s.params.x1 as number, s.params.x2 as number));
        }
        return search.best()!.value!;
      }).sort((a, b) => a - b);
      const optimum = name === "Branin" ? 0.397887 : 0;
      const regret = bests[150]! - optimum;
      expect(Math.abs(regret - (median200 - optimum))).toBeLessThan(0.25 * (median200 - optimum));
    });
});
