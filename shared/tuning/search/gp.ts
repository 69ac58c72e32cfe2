/**
 * A Gaussian process on [0, 1]^D for the model-based search: Matérn-5/2
 * kernel with one length scale per coordinate (ARD), signal variance and
 * noise, fitted by maximising the log marginal likelihood plus weak
 * log-normal priors (ML-II/MAP; the priors keep a fit on five points sane).
 * Targets are expected centred and scaled (see bayes.ts).
 */
import { cholesky, nelderMead, solveLower, solveUpperT } from "./linalg.ts";
import type { Rng } from "./prng.ts";

export interface GpHyper {
  /** log length scale per coordinate */
  logLengths: number[];
  logSignal: number;
  logNoise: number;
}

export interface Gp {
  readonly hyper: GpHyper;
  /** Posterior mean and variance of the latent function at x. */
  predict(x: ArrayLike<number>): { mean: number; variance: number };
  /** The same kernel conditioned on more observations (kriging believer, fantasies). */
  withObservations(xs: ArrayLike<number>[], ys: number[]): Gp;
}

// Bounds and priors in log space. Length scales are in units of the unit cube.
const BOUNDS = {
  length: [Math.log(0.02), Math.log(8)],
  signal: [Math.log(0.05), Math.log(20)],
  noise: [Math.log(1e-6), Math.log(0.5)],
} as const;
const PRIOR = { length: [Math.log(0.5), 1.0], signal: [0, 1.5], noise: [Math.log(1e-4), 2.5] } as const;

const SQRT5 = Math.sqrt(5);

function matern52(r2: number, signal: number): number {
  const r = Math.sqrt(r2);
  return signal * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

function scaledDist2(a: ArrayLike<number>, b: ArrayLike<number>, invL2: number[]): number {
  let s = 0;
  for (let d = 0; d < invL2.length; d++) {
    const t = a[d]! - b[d]!;
    s += t * t * invL2[d]!;
  }
  return s;
}

/** The process with fixed hyperparameters conditioned on (xs, ys). */
export function conditionGp(xs: ArrayLike<number>[], ys: number[], hyper: GpHyper): Gp {
  return build(xs, ys, hyper);
}

function build(xs: ArrayLike<number>[], ys: number[], hyper: GpHyper): Gp {
  const n = xs.length;
  const invL2 = hyper.logLengths.map((l) => Math.exp(-2 * l));
  const signal = Math.exp(hyper.logSignal);
  const noise = Math.exp(hyper.logNoise);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = matern52(scaledDist2(xs[i]!, xs[j]!, invL2), signal) + (i === j ? noise : 0);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  const l = cholesky(k, n);
  const alpha = solveUpperT(l, n, solveLower(l, n, ys));
  return {
    hyper,
    predict(x) {
      const ks = new Float64Array(n);
      let mean = 0;
      for (let i = 0; i < n; i++) {
        ks[i] = matern52(scaledDist2(x, xs[i]!, invL2), signal);
        mean += ks[i]! * alpha[i]!;
      }
      const v = solveLower(l, n, ks);
      let vv = 0;
      for (let i = 0; i < n; i++) vv += v[i]! * v[i]!;
      return { mean, variance: Math.max(signal - vv, 1e-12) };
    },
    withObservations: (more, moreY) => build([...xs, ...more], [...ys, ...moreY], hyper),
  };
}

/** Pairwise squared differences per coordinate, so each likelihood evaluation is O(n²·D + n³). */
function differences(xs: ArrayLike<number>[], dims: number): Float64Array[] {
  const n = xs.length;
  return Array.from({ length: dims }, (_, d) => {
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        const t = xs[i]![d]! - xs[j]![d]!;
        out[i * n + j] = t * t;
      }
    return out;
  });
}

const logNormal = (x: number, [mu, sd]: readonly [number, number]) => -0.5 * ((x - mu) / sd) ** 2;

function negLogPosterior(theta: number[], diffs: Float64Array[], ys: number[]): number {
  const dims = diffs.length;
  const n = ys.length;
  // Out-of-bounds parameters are clamped and penalised, so the simplex walks back.
  let penalty = 0;
  const clamped = theta.map((t, i) => {
    const [lo, hi] = i < dims ? BOUNDS.length : i === dims ? BOUNDS.signal : BOUNDS.noise;
    const c = Math.min(hi, Math.max(lo, t));
    penalty += (t - c) ** 2 * 100;
    return c;
  });
  const invL2 = clamped.slice(0, dims).map((l) => Math.exp(-2 * l));
  const signal = Math.exp(clamped[dims]!);
  const noise = Math.exp(clamped[dims + 1]!);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = signal + noise;
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let d = 0; d < dims; d++) r2 += diffs[d]![i * n + j]! * invL2[d]!;
      const v = matern52(r2, signal);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  let l: Float64Array;
  try {
    l = cholesky(k, n);
  } catch {
    return 1e10 + penalty;
  }
  const z = solveLower(l, n, ys);
  let fit = 0;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    fit += z[i]! * z[i]!;
    logDet += Math.log(l[i * n + i]!);
  }
  let prior = logNormal(clamped[dims]!, PRIOR.signal) + logNormal(clamped[dims + 1]!, PRIOR.noise);
  for (let d = 0; d < dims; d++) prior += logNormal(clamped[d]!, PRIOR.length);
  return 0.5 * fit + logDet - prior + penalty;
}

/** Fits the kernel's hyperparameters to (xs, ys) from two starts and returns the conditioned process. */
export function fitGp(xs: ArrayLike<number>[], ys: number[], dims: number, rng: Rng): Gp {
  const diffs = differences(xs, dims);
  const f = (theta: number[]) => negLogPosterior(theta, diffs, ys);
  const starts = [
    [...Array<number>(dims).fill(Math.log(0.3)), 0, Math.log(1e-4)],
    [...Array.from({ length: dims }, () => Math.log(0.1) + 2.3 * rng.next()), 0, Math.log(1e-3)],
  ];
  let best = { x: starts[0]!, value: Infinity };
  for (const x0 of starts) {
    const r = nelderMead(f, x0, { step: 0.7, maxEvals: 60 * (dims + 2), tol: 1e-5 });
    if (r.value < best.value) best = r;
  }
  const clip = (t: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, t));
  const hyper: GpHyper = {
    logLengths: best.x.slice(0, dims).map((t) => clip(t, BOUNDS.length)),
    logSignal: clip(best.x[dims]!, BOUNDS.signal),
    logNoise: clip(best.x[dims + 1]!, BOUNDS.noise),
  };
  return build(xs, ys, hyper);
}
