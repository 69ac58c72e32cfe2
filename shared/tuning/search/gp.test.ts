import { describe, expect, it } from "vitest";
import { acquisitionScore, logH, normalCdf } from "./acquisition.ts";
import { fitGp } from "./gp.ts";
import { cholesky, nelderMead, solveLower, solveUpperT } from "./linalg.ts";
import { rngFor } from "./prng.ts";

describe("linear algebra", () => {
  it("solves A·x = b through the Cholesky factor", () => {
    const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const l = cholesky(a, 3);
    const x = solveUpperT(l, 3, solveLower(l, 3, [1, 2, 3]));
    for (let i = 0; i < 3; i++)
      expect(a[i * 3]! * x[0]! + a[i * 3 + 1]! * x[1]! + a[i * 3 + 2]! * x[2]!).toBeCloseTo(i + 1, 10);
  });

  it("adds jitter to a singular matrix instead of failing, and refuses an indefinite one", () => {
    expect(() => cholesky(Float64Array.from([1, 1, 1, 1]), 2)).not.toThrow();
    expect(() => cholesky(Float64Array.from([1, 3, 3, 1]), 2)).toThrow(/not positive definite/);
  });

  it("Nelder–Mead finds a quadratic's minimum", () => {
    const r = nelderMead(([a = 0, b = 0]) => (a - 1) ** 2 + 3 * (b + 2) ** 2, [0, 0], {
      step: 1,
      maxEvals: 400,
      tol: 1e-12,
    });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(-2, 3);
  });
});

describe("acquisition", () => {
  it("log h(z) matches the direct formula where both are exact, and stays finite far out", () => {
    const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    for (const z of [-4, -1, 0, 1, 3]) expect(logH(z)).toBeCloseTo(Math.log(phi(z) + z * normalCdf(z)), 5);
    // Continuous across the switch to the asymptotic series, and ordered far out.
    expect(logH(-5.0001)).toBeCloseTo(logH(-4.9999), 2);
    expect(logH(-40)).toBeLessThan(logH(-20));
    expect(Number.isFinite(logH(-40))).toBe(true);
  });

  it("prefers a lower mean at equal variance and a larger variance at equal mean", () => {
    expect(acquisitionScore("EI", -1, 1, 0)).toBeGreaterThan(acquisitionScore("EI", 1, 1, 0));
    expect(acquisitionScore("EI", 1, 4, 0)).toBeGreaterThan(acquisitionScore("EI", 1, 1, 0));
    expect(acquisitionScore("LCB", 0, 4, 0)).toBeGreaterThan(acquisitionScore("LCB", 0, 1, 0));
  });
});

describe("Gaussian process", () => {
  it("interpolates its observations and is uncertain far from them", () => {
    const xs = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8].map((v) => [v]);
    const ys = xs.map(([v]) => Math.sin(6 * v!));
    const gp = fitGp(xs, ys, 1, rngFor(1));
    for (const [i, x] of xs.entries()) expect(gp.predict(x).mean).toBeCloseTo(ys[i]!, 2);
    expect(gp.predict([0.42]).mean).toBeCloseTo(Math.sin(6 * 0.42), 1);
    expect(gp.predict([1]).variance).toBeGreaterThan(10 * gp.predict([0.5]).variance);
  });

  it("a fantasy at the posterior mean keeps the mean and collapses the variance there", () => {
    const xs = [[0.1], [0.5], [0.9]];
    const gp = fitGp(xs, [1, -1, 0.5], 1, rngFor(2));
    const at = [0.3];
    const before = gp.predict(at);
    const after = gp.withObservations([at], [before.mean]).predict(at);
    expect(after.mean).toBeCloseTo(before.mean, 6);
    expect(after.variance).toBeLessThan(before.variance / 10);
  });
});
