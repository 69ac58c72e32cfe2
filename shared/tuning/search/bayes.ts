/**
 * The model-based suggestion: Bayesian optimisation with a Gaussian process
 * and expected improvement (gp.ts, acquisition.ts).
 *
 * - The first `n_initial_points` trials follow a seeded Latin hypercube, so
 *   the model starts from a spread-out design.
 * - Objective values are minimised on a warped scale: log(y − min + δ),
 *   then standardised. Wide-ranging objectives (a loss spanning orders of
 *   magnitude, Rosenbrock) become smooth enough for a stationary kernel.
 * - Pending trials are fantasised at the posterior mean (kriging believer):
 *   the mean is unchanged but the variance collapses around them, and the
 *   incumbent takes their predicted value, so the next suggestion in a
 *   parallel batch goes elsewhere. Exact duplicates of any earlier or
 *   pending assignment are skipped outright.
 * - Failed trials enter the model at the worst value seen so far: a region
 *   that crashes (a diverging learning rate) stops looking unexplored.
 * - The acquisition is maximised over random candidates, perturbations of
 *   the best points, then a short local search from the top candidates;
 *   every candidate is a valid assignment (decoded, then re-encoded).
 */
import type { Assignment } from "../hyperparameters.ts";
import { acquisitionScore, type Acquisition } from "./acquisition.ts";
import { conditionGp, fitGp, type Gp } from "./gp.ts";
import { rngFor, STREAM, type Rng } from "./prng.ts";
import { assignmentKey, decode, encode, fromUnit, sampleAssignment, type SearchSpace } from "./space.ts";

export interface BayesContext {
  space: SearchSpace;
  seed: number;
  index: number;
  /** Successful trials, values on the minimisation scale. */
  observed: { params: Assignment; value: number }[];
  pending: Assignment[];
  /** Trials that failed (no objective value). */
  failed: Assignment[];
  /** Keys of every assignment already issued (never suggested again while avoidable). */
  taken: Set<string>;
  nInitial: number;
  acquisition: Acquisition;
}

/** The GP never sees more than this many points: the best half and the most recent rest. */
const MAX_MODEL_POINTS = 300;
/** Hyperparameters are fitted on at most this many of them (the fit is O(n³) per step; conditioning is once). */
const MAX_FIT_POINTS = 80;

/** Row `index` of a seeded Latin hypercube with `n` rows. */
export function designPoint(space: SearchSpace, seed: number, n: number, index: number): Assignment {
  const out: Assignment = {};
  for (const [d, dim] of space.dims.entries()) {
    // Each dimension's strata, shuffled by a stream that depends on the seed and dimension only.
    const rng = rngFor(seed, STREAM.design, d);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const jitter = rngFor(seed, STREAM.design, d, index).next();
    out[dim.name] = fromUnit(dim, (perm[index]! + jitter) / n);
  }
  return out;
}

/** A fresh random assignment, avoiding taken ones when the space allows. */
export function freshSample(space: SearchSpace, rng: Rng, taken: Set<string>): Assignment {
  let a = sampleAssignment(space, rng);
  for (let i = 0; i < 64 && taken.has(assignmentKey(space, a)); i++) a = sampleAssignment(space, rng);
  return a;
}

function warp(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0]!;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const spread = median - min || Math.abs(min) * 1e-6 || 1e-12;
  // δ = 0.3·(median − min): chosen on the tuning bench (0.05 over-sharpens the incumbent's pit; parallel runs then stall).
  const delta = spread * 0.3;
  const logged = values.map((v) => Math.log(v - min + delta));
  const mean = logged.reduce((s, v) => s + v, 0) / logged.length;
  const sd = Math.sqrt(logged.reduce((s, v) => s + (v - mean) ** 2, 0) / logged.length) || 1;
  return logged.map((v) => (v - mean) / sd);
}

function modelPoints(observed: BayesContext["observed"]): BayesContext["observed"] {
  if (observed.length <= MAX_MODEL_POINTS) return observed;
  const half = MAX_MODEL_POINTS / 2;
  const byValue = observed.map((o, i) => ({ o, i })).sort((a, b) => a.o.value - b.o.value);
  const keep = new Set(byValue.slice(0, half).map((e) => e.i));
  for (let i = observed.length - 1; keep.size < MAX_MODEL_POINTS; i--) keep.add(i);
  return observed.filter((_, i) => keep.has(i));
}

/** Fits on the best half and an even spread of the rest when there are many points, then conditions on all. */
function fitModel(xs: Float64Array[], ys: number[], width: number, rng: Rng): Gp {
  if (xs.length <= MAX_FIT_POINTS) return fitGp(xs, ys, width, rng);
  const order = ys.map((_, i) => i).sort((a, b) => ys[a]! - ys[b]!);
  const keep = order.slice(0, MAX_FIT_POINTS / 2);
  const rest = order.slice(MAX_FIT_POINTS / 2);
  const stride = rest.length / (MAX_FIT_POINTS / 2);
  for (let k = 0; k < MAX_FIT_POINTS / 2; k++) keep.push(rest[Math.floor(k * stride)]!);
  const fitted = fitGp(
    keep.map((i) => xs[i]!),
    keep.map((i) => ys[i]!),
    width,
    rng,
  );
  return conditionGp(xs, ys, fitted.hyper);
}

interface Scored {
  params: Assignment;
  x: Float64Array;
  score: number;
}

export function bayesSuggest(ctx: BayesContext): Assignment {
  const { space, seed, index, taken } = ctx;
  if (index < ctx.nInitial || ctx.observed.length < 2) {
    const a = index < ctx.nInitial ? designPoint(space, seed, ctx.nInitial, index) : undefined;
    return a && !taken.has(assignmentKey(space, a)) ? a : freshSample(space, rngFor(seed, STREAM.sample, index), taken);
  }
  const worst = Math.max(...ctx.observed.map((o) => o.value));
  const points = modelPoints([...ctx.observed, ...ctx.failed.map((params) => ({ params, value: worst }))]);
  const xs = points.map((o) => encode(space, o.params));
  const ys = warp(points.map((o) => o.value));
  let gp: Gp = fitModel(xs, ys, space.width, rngFor(seed, STREAM.fit, index));
  let incumbent = Math.min(...ys);
  if (ctx.pending.length) {
    const px = ctx.pending.slice(-MAX_MODEL_POINTS).map((p) => encode(space, p));
    // Conditioning on the posterior mean leaves the mean unchanged, so one joint update is exact.
    const means = px.map((x) => gp.predict(x).mean);
    gp = gp.withObservations(px, means);
    incumbent = Math.min(incumbent, ...means);
  }
  const rng = rngFor(seed, STREAM.candidates, index);
  const score = (params: Assignment): Scored => {
    const x = encode(space, params);
    const { mean, variance } = gp.predict(x);
    return { params, x, score: acquisitionScore(ctx.acquisition, mean, variance, incumbent) };
  };
  const candidates: Scored[] = [];
  const nRandom = Math.min(3000, 500 + 150 * space.width);
  for (let i = 0; i < nRandom; i++) candidates.push(score(sampleAssignment(space, rng)));
  const lengths = gp.hyper.logLengths.map((l) => Math.min(1, Math.exp(l)));
  const best = points
    .map((o, i) => ({ x: xs[i]!, v: o.value }))
    .sort((a, b) => a.v - b.v)
    .slice(0, 5);
  for (const b of best)
    for (const scale of [0.05, 0.2, 0.5])
      for (let i = 0; i < 20; i++) candidates.push(score(decode(space, perturb(b.x, lengths, scale, rng))));
  candidates.sort((a, b) => b.score - a.score);
  const starts = uniqueTop(space, candidates, 5);
  const refined = starts.map((s) => localSearch(space, s, lengths, rng, score));
  const ranked = [...refined, ...candidates].sort((a, b) => b.score - a.score);
  const pick = ranked.find((c) => !taken.has(assignmentKey(space, c.params)));
  return pick?.params ?? freshSample(space, rngFor(seed, STREAM.dedupe, index), taken);
}

function perturb(x: Float64Array, lengths: number[], scale: number, rng: Rng): Float64Array {
  const out = new Float64Array(x.length);
  for (let d = 0; d < x.length; d++) out[d] = Math.min(1, Math.max(0, x[d]! + rng.normal() * scale * lengths[d]!));
  return out;
}

function uniqueTop(space: SearchSpace, sorted: Scored[], k: number): Scored[] {
  const seen = new Set<string>();
  const out: Scored[] = [];
  for (const c of sorted) {
    const key = assignmentKey(space, c.params);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === k) break;
  }
  return out;
}

/** Stochastic hill climbing with a shrinking step, in model coordinates. */
function localSearch(
  space: SearchSpace,
  start: Scored,
  lengths: number[],
  rng: Rng,
  score: (a: Assignment) => Scored,
): Scored {
  let cur = start;
  let scale = 0.1;
  for (let i = 0; i < 30 && scale > 0.002; i++) {
    const next = score(decode(space, perturb(cur.x, lengths, scale, rng)));
    if (next.score > cur.score) cur = next;
    else scale *= 0.8;
  }
  return cur;
}
