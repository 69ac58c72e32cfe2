/**
 * Grid search: the cartesian product of each dimension's lattice (dimensions
 * sorted by name), visited in a seeded shuffled order as Katib's Optuna
 * backend does, but by index: trial k takes point perm(k), where perm is a
 * seeded bijection on [0, size) (a Feistel network with cycle-walking). No
 * grid is ever materialised, no point is visited twice, and trial k's point
 * depends only on the seed and k, so it survives restarts and reordering.
 *
 * Lattices: a step gives the reference's index rule (space.ts); a step-less
 * Double takes `gridPoints` values min + i·(max − min)/(gridPoints − 1),
 * endpoints exact (on a log scale the points are evenly spaced in log).
 */
import type { Assignment, ParameterValue } from "../hyperparameters.ts";
import { hashKeys } from "./prng.ts";
import type { Dim, SearchSpace } from "./space.ts";

export const DEFAULT_GRID_POINTS = 5;

interface Axis {
  name: string;
  size: number;
  at(i: number): ParameterValue;
}

/** Significant digits kept for step-less points: enough for any user range, none of the float noise. */
const PRECISION = 12;

function axisOf(dim: Dim, gridPoints: number): Axis {
  switch (dim.kind) {
    case "lattice":
      return { name: dim.name, size: dim.size, at: (i) => dim.at(i) };
    case "categorical":
      return { name: dim.name, size: dim.values.length, at: (i) => dim.values[i]! };
    case "log-integer":
      return { name: dim.name, size: dim.max - dim.min + 1, at: (i) => dim.min + i };
    case "continuous": {
      const { min, max, log } = dim;
      const last = gridPoints - 1;
      const at = (i: number) => {
        if (i === 0) return min;
        if (i === last) return max;
        const v = log
          ? Math.exp(Math.log(min) + (i * (Math.log(max) - Math.log(min))) / last)
          : min + (i * (max - min)) / last;
        return Number(v.toPrecision(PRECISION));
      };
      return { name: dim.name, size: gridPoints, at };
    }
  }
}

export interface Grid {
  /** Number of points; may exceed Number.MAX_SAFE_INTEGER in principle, then it is an upper bound. */
  readonly size: number;
  /** Every value of one parameter, in lattice order (for messages and tests). */
  values(name: string): ParameterValue[];
  /** The point trial `k` visits, or undefined once the grid is exhausted. */
  pointAt(k: number): Assignment | undefined;
}

/** A seeded bijection on [0, n): balanced Feistel on the smallest even bit width ≥ log2 n, cycle-walked. */
export function permutation(n: bigint, seed: number): (i: bigint) => bigint {
  if (n <= 4n) {
    // Too small for a Feistel network: a seeded rotation still visits each point once.
    const shift = BigInt(hashKeys(seed, 7)) % (n > 0n ? n : 1n);
    return (i) => (i + shift) % n;
  }
  let bits = 2;
  while (1n << BigInt(bits) < n) bits++;
  if (bits % 2) bits++;
  const half = BigInt(bits / 2);
  const mask = (1n << half) - 1n;
  const keys = [0, 1, 2, 3].map((r) => hashKeys(seed, 11, r));
  const round = (x: bigint, r: number) => {
    // Hash the half-block 32 bits at a time so wide grids mix fully.
    let h = keys[r]!;
    for (let v = x; ; v >>= 32n) {
      h = hashKeys(h, Number(v & 0xffffffffn));
      if (v <= 0xffffffffn) break;
    }
    let out = 0n;
    for (let w = 0n; w * 32n < half; w++) out = (out << 32n) | BigInt(hashKeys(h, Number(w)));
    return out & mask;
  };
  const once = (i: bigint) => {
    let l = i >> half;
    let r = i & mask;
    for (let k = 0; k < 4; k++) [l, r] = [r, l ^ round(r, k)];
    return (l << half) | r;
  };
  return (i) => {
    let x = once(i);
    while (x >= n) x = once(x);
    return x;
  };
}

/** The grid over `space`, shuffled by `seed`. */
export function buildGrid(space: SearchSpace, seed: number, gridPoints = DEFAULT_GRID_POINTS): Grid {
  const axes = space.dims.map((d) => axisOf(d, gridPoints));
  const total = axes.reduce((n, a) => n * BigInt(a.size), 1n);
  const perm = permutation(total, seed);
  return {
    size: Number(total),
    values: (name) => {
      const axis = axes.find((a) => a.name === name);
      return axis ? Array.from({ length: axis.size }, (_, i) => axis.at(i)) : [];
    },
    pointAt(k) {
      if (!Number.isInteger(k) || k < 0 || BigInt(k) >= total) return undefined;
      // Mixed radix, first dimension most significant: lexicographic in name order before the shuffle.
      let rest = perm(BigInt(k));
      const out: Assignment = {};
      for (let j = axes.length - 1; j >= 0; j--) {
        const axis = axes[j]!;
        const size = BigInt(axis.size);
        out[axis.name] = axis.at(Number(rest % size));
        rest /= size;
      }
      return Object.fromEntries(space.dims.map((d) => [d.name, out[d.name]!]));
    },
  };
}
