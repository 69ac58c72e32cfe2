/**
 * The search space built from a study's hyperparameters: one dimension per
 * parameter, sorted by name (Katib's grid order), each with
 * - `fromUnit(u)`: the inverse CDF that turns u ∈ [0, 1) into a value, so
 *   random search, Latin-hypercube designs and the model's candidates share
 *   one definition of "uniform" (log-uniform on a log scale, uniform over
 *   the lattice with a step or for integers);
 * - an encoding into [0, 1] coordinates for the model (lattices and discrete
 *   lists by ordinal position, categoricals one-hot) and its inverse.
 * Lattice values are computed by index and rounded to the step's decimals,
 * so 0.1 + 2·0.1 prints as 0.3.
 */
import type { Assignment, Hyperparameters, ParameterValue } from "../hyperparameters.ts";
import type { Rng } from "./prng.ts";

interface Continuous {
  name: string;
  kind: "continuous";
  min: number;
  max: number;
  log: boolean;
}
/** A finite ordered set of numbers: stepped doubles, integers, discrete lists. */
interface Lattice {
  name: string;
  kind: "lattice";
  size: number;
  at(i: number): number;
  indexOf(v: number): number;
}
/** Integers on a log scale: too many to index fairly, sampled as Optuna does. */
interface LogInteger {
  name: string;
  kind: "log-integer";
  min: number;
  max: number;
}
interface Categorical {
  name: string;
  kind: "categorical";
  values: readonly string[];
}
export type Dim = Continuous | Lattice | LogInteger | Categorical;

export interface SearchSpace {
  readonly dims: readonly Dim[];
  /** Number of encoded coordinates (categoricals take one per value). */
  readonly width: number;
}

/** Decimal places in a number's shortest form: 0.25 → 2, 2.5e-7 → 8. */
export function decimalsOf(x: number): number {
  const [mantissa = "", exp] = String(x).toLowerCase().split("e");
  const frac = mantissa.split(".")[1]?.length ?? 0;
  return Math.min(20, Math.max(0, frac - Number(exp ?? 0)));
}

/** `v` rounded to `d` decimals, shedding float noise. */
export function roundTo(v: number, d: number): number {
  return Math.abs(v) >= 1e21 ? v : Number(v.toFixed(d));
}

/** Reference rule: n = floor((max − min)/step + 1e-9) + 1, v_i = round(min + i·step); max only if on the lattice. */
export function steppedLattice(name: string, min: number, max: number, step: number): Lattice {
  const size = Math.floor((max - min) / step + 1e-9) + 1;
  const d = Math.max(decimalsOf(step), decimalsOf(min));
  const at = (i: number) => roundTo(min + i * step, d);
  const indexOf = (v: number) => Math.min(size - 1, Math.max(0, Math.round((v - min) / step)));
  return { name, kind: "lattice", size, at, indexOf };
}

function listLattice(name: string, values: readonly number[]): Lattice {
  const sorted = [...values].sort((a, b) => a - b);
  const indexOf = (v: number) => {
    let best = 0;
    for (let i = 1; i < sorted.length; i++) if (Math.abs(sorted[i]! - v) < Math.abs(sorted[best]! - v)) best = i;
    return best;
  };
  return { name, kind: "lattice", size: sorted.length, at: (i) => sorted[i]!, indexOf };
}

/** The space for `params`, dimensions sorted by name. */
export function buildSpace(params: Hyperparameters): SearchSpace {
  const dims: Dim[] = Object.keys(params)
    .sort()
    .map((name): Dim => {
      const p = params[name]!;
      switch (p.type) {
        case "double":
          return p.step !== undefined
            ? steppedLattice(name, p.min, p.max, p.step)
            : { name, kind: "continuous", min: p.min, max: p.max, log: p.log ?? false };
        case "integer":
          return p.log && (p.step ?? 1) === 1
            ? { name, kind: "log-integer", min: p.min, max: p.max }
            : steppedLattice(name, p.min, p.max, p.step ?? 1);
        case "discrete":
          return listLattice(name, p.values);
        case "categorical":
          return { name, kind: "categorical", values: p.values };
      }
    });
  const width = dims.reduce((w, d) => w + (d.kind === "categorical" ? d.values.length : 1), 0);
  return { dims, width };
}

const clamp01 = (t: number) => Math.min(1, Math.max(0, t));
const logBounds = (d: LogInteger) => [Math.log(d.min - 0.5), Math.log(d.max + 0.5)] as const;

/** The value at quantile u ∈ [0, 1) of the dimension's sampling distribution. */
export function fromUnit(dim: Dim, u: number): ParameterValue {
  switch (dim.kind) {
    case "continuous": {
      const v = dim.log
        ? Math.exp(Math.log(dim.min) + u * (Math.log(dim.max) - Math.log(dim.min)))
        : dim.min + u * (dim.max - dim.min);
      return Math.min(dim.max, Math.max(dim.min, v));
    }
    case "lattice":
      return dim.at(Math.min(dim.size - 1, Math.floor(u * dim.size)));
    case "log-integer": {
      const [a, b] = logBounds(dim);
      return Math.min(dim.max, Math.max(dim.min, Math.round(Math.exp(a + u * (b - a)))));
    }
    case "categorical":
      return dim.values[Math.min(dim.values.length - 1, Math.floor(u * dim.values.length))]!;
  }
}

/** One assignment drawn independently per dimension. */
export function sampleAssignment(space: SearchSpace, rng: Rng): Assignment {
  const out: Assignment = {};
  for (const d of space.dims) out[d.name] = fromUnit(d, rng.next());
  return out;
}

/** Ordinal coordinate t ∈ [0, 1] of a non-categorical value. */
function toOrdinal(dim: Exclude<Dim, Categorical>, v: number): number {
  switch (dim.kind) {
    case "continuous":
      return dim.log
        ? (Math.log(v) - Math.log(dim.min)) / (Math.log(dim.max) - Math.log(dim.min))
        : (v - dim.min) / (dim.max - dim.min);
    case "lattice":
      return (dim.indexOf(v) + 0.5) / dim.size;
    case "log-integer": {
      const [a, b] = logBounds(dim);
      return (Math.log(v) - a) / (b - a);
    }
  }
}

function fromOrdinal(dim: Exclude<Dim, Categorical>, t: number): number {
  const u = clamp01(t);
  if (dim.kind === "lattice") return dim.at(Math.min(dim.size - 1, Math.floor(u * dim.size)));
  return fromUnit(dim, u) as number;
}

/** The assignment as model coordinates in [0, 1]^width. */
export function encode(space: SearchSpace, a: Assignment): Float64Array {
  const x = new Float64Array(space.width);
  let j = 0;
  for (const d of space.dims) {
    if (d.kind === "categorical") {
      const i = d.values.indexOf(String(a[d.name]));
      if (i >= 0) x[j + i] = 1;
      j += d.values.length;
    } else x[j++] = clamp01(toOrdinal(d, Number(a[d.name])));
  }
  return x;
}

/** The valid assignment nearest to coordinates `x` (lattice snap, categorical argmax). */
export function decode(space: SearchSpace, x: ArrayLike<number>): Assignment {
  const out: Assignment = {};
  let j = 0;
  for (const d of space.dims) {
    if (d.kind === "categorical") {
      let best = 0;
      for (let i = 1; i < d.values.length; i++) if (x[j + i]! > x[j + best]!) best = i;
      out[d.name] = d.values[best]!;
      j += d.values.length;
    } else out[d.name] = fromOrdinal(d, x[j++]!);
  }
  return out;
}

/** A canonical string for duplicate detection (values in dimension order). */
export function assignmentKey(space: SearchSpace, a: Assignment): string {
  return JSON.stringify(space.dims.map((d) => a[d.name] ?? null));
}

/** Why `a` is not a point of the space, or undefined when it is. */
export function assignmentError(space: SearchSpace, a: Assignment): string | undefined {
  for (const d of space.dims) {
    const v = a[d.name];
    if (v === undefined) return `missing parameter "${d.name}"`;
    if (d.kind === "categorical") {
      if (!d.values.includes(String(v))) return `"${d.name}" is not one of its values`;
    } else if (typeof v !== "number" || !Number.isFinite(v)) return `"${d.name}" must be a number`;
  }
  const extra = Object.keys(a).find((k) => !space.dims.some((d) => d.name === k));
  return extra === undefined ? undefined : `unknown parameter "${extra}"`;
}
