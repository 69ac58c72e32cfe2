import { describe, expect, it } from "vitest";
import type { Hyperparameters } from "../hyperparameters.ts";
import { rngFor } from "./prng.ts";
import { assignmentError, buildSpace, decode, encode, sampleAssignment, steppedLattice } from "./space.ts";

const params: Hyperparameters = {
  lr: { type: "double", min: 1e-5, max: 1e-1, log: true },
  x: { type: "double", min: -2, max: 3 },
  dropout: { type: "double", min: 0.1, max: 0.5, step: 0.1 },
  layers: { type: "integer", min: 1, max: 6 },
  width: { type: "integer", min: 8, max: 1024, log: true },
  batch: { type: "discrete", values: [64, 16, 32] },
  opt: { type: "categorical", values: ["adam", "sgd", "rmsprop"] },
};
const space = buildSpace(params);

function samples(n: number, seed = 1) {
  const rng = rngFor(seed);
  return Array.from({ length: n }, () => sampleAssignment(space, rng));
}

/** Kolmogorov–Smirnov statistic of samples against the uniform CDF on [0, 1]. */
function ksUniform(us: number[]): number {
  const s = [...us].sort((a, b) => a - b);
  return Math.max(...s.map((u, i) => Math.max((i + 1) / s.length - u, u - i / s.length)));
}

/** Pearson chi-square statistic of counts against equal expected counts. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

describe("check 20: random respects bounds and types", () => {
  it("keeps every value in range and of its type", () => {
    for (const a of samples(2000)) {
      expect(assignmentError(space, a)).toBeUndefined();
      expect(a.lr).toBeGreaterThanOrEqual(1e-5);
      expect(a.lr).toBeLessThanOrEqual(1e-1);
      expect(a.x).toBeGreaterThanOrEqual(-2);
      expect(a.x).toBeLessThanOrEqual(3);
      expect([0.1, 0.2, 0.3, 0.4, 0.5]).toContain(a.dropout);
      expect(Number.isInteger(a.layers) && (a.layers as number) >= 1 && (a.layers as number) <= 6).toBe(true);
      expect(Number.isInteger(a.width) && (a.width as number) >= 8 && (a.width as number) <= 1024).toBe(true);
      expect([16, 32, 64]).toContain(a.batch);
      expect(["adam", "sgd", "rmsprop"]).toContain(a.opt);
    }
  });

  it("is uniform: KS on doubles (log-uniform on the log scale), chi-square on ints, lists and categoricals", () => {
    const all = samples(1000, 7);
    // KS critical value at α = 0.001 for n = 1000 is 1.95/√n ≈ 0.062.
    expect(ksUniform(all.map((a) => (a.x as number) / 5 + 0.4))).toBeLessThan(0.062);
    expect(ksUniform(all.map((a) => (Math.log10(a.lr as number) + 5) / 4))).toBeLessThan(0.062);
    const count = (key: string, values: (number | string)[]) =>
      values.map((v) => all.filter((a) => a[key] === v).length);
    // Chi-square critical values at α = 0.001: df 2 → 13.8, df 4 → 18.5, df 5 → 20.5.
    expect(chiSquare(count("layers", [1, 2, 3, 4, 5, 6]))).toBeLessThan(20.5);
    expect(chiSquare(count("dropout", [0.1, 0.2, 0.3, 0.4, 0.5]))).toBeLessThan(18.5);
    expect(chiSquare(count("batch", [16, 32, 64]))).toBeLessThan(13.8);
    expect(chiSquare(count("opt", ["adam", "sgd", "rmsprop"]))).toBeLessThan(13.8);
    // A log-scale integer puts as much mass on 8..90 as on 90..1024.
    const low = all.filter((a) => (a.width as number) <= 90).length;
    expect(low / all.length).toBeGreaterThan(0.45);
    expect(low / all.length).toBeLessThan(0.55);
  });

  it("never strays past a bound through float error", () => {
    const tight = buildSpace({ v: { type: "double", min: 0.1, max: 0.1000001, log: true } });
    for (const u of [0, 0.5, 1 - 2 ** -53]) {
      const v = sampleAssignment(tight, { next: () => u, int: () => 0, normal: () => 0 }).v as number;
      expect(v).toBeGreaterThanOrEqual(0.1);
      expect(v).toBeLessThanOrEqual(0.1000001);
    }
  });
});

describe("lattices and the model's encoding", () => {
  it("computes a stepped lattice by index, without float noise (check 23's rule)", () => {
    const l = steppedLattice("x", 0.1, 0.7, 0.2);
    expect(Array.from({ length: l.size }, (_, i) => l.at(i))).toEqual([0.1, 0.3, 0.5, 0.7]);
    const m = steppedLattice("x", 0.1, 0.5, 0.1);
    expect(Array.from({ length: m.size }, (_, i) => m.at(i))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    const off = steppedLattice("x", 0, 1, 0.3);
    expect(Array.from({ length: off.size }, (_, i) => off.at(i))).toEqual([0, 0.3, 0.6, 0.9]);
  });

  it("decodes what it encodes", () => {
    for (const a of samples(200, 3)) {
      const back = decode(space, encode(space, a));
      expect(back.opt).toBe(a.opt);
      expect(back.batch).toBe(a.batch);
      expect(back.layers).toBe(a.layers);
      expect(back.width).toBe(a.width);
      expect(back.dropout).toBe(a.dropout);
      expect(back.x as number).toBeCloseTo(a.x as number, 9);
      expect(back.lr as number).toBeCloseTo(a.lr as number, 12);
    }
  });
});
