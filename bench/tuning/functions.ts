/**
 * The reference's public benchmark objectives (section 9), all minimised,
 * with their search spaces as study hyperparameters.
 */
import type { Hyperparameters } from "../../shared/tuning/hyperparameters.ts";

export interface Objective {
  name: string;
  space: Hyperparameters;
  f(x: number[]): number;
  /** Known optimum. */
  optimum: number;
}

const B = 5.1 / (4 * Math.PI ** 2);
const C = 5 / Math.PI;
const T = 1 / (8 * Math.PI);

export const branin: Objective = {
  name: "Branin",
  space: { x1: { type: "double", min: -5, max: 10 }, x2: { type: "double", min: 0, max: 15 } },
  f: ([x1 = 0, x2 = 0]) => (x2 - B * x1 * x1 + C * x1 - 6) ** 2 + 10 * (1 - T) * Math.cos(x1) + 10,
  optimum: 0.397887,
};

export const camel: Objective = {
  name: "Six-hump camel",
  space: { x1: { type: "double", min: -3, max: 3 }, x2: { type: "double", min: -2, max: 2 } },
  f: ([x1 = 0, x2 = 0]) => (4 - 2.1 * x1 ** 2 + x1 ** 4 / 3) * x1 ** 2 + x1 * x2 + (-4 + 4 * x2 ** 2) * x2 ** 2,
  optimum: -1.0316,
};

export const rosenbrock: Objective = {
  name: "Rosenbrock-2",
  space: { x1: { type: "double", min: -5, max: 10 }, x2: { type: "double", min: -5, max: 10 } },
  f: ([x1 = 0, x2 = 0]) => 100 * (x2 - x1 * x1) ** 2 + (1 - x1) ** 2,
  optimum: 0,
};

export const OBJECTIVES = [branin, camel, rosenbrock];

/** Branin's 5 % band: f ≤ 1.05·f* (0.4178). */
export const BRANIN_BAND = 0.397887 * 1.05;
