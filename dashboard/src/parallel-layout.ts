/**
 * The math of the parallel-coordinates chart, without the DOM (unit-tested in
 * test/unit/dashboard-parallel-layout.test.ts): one axis per parameter in the
 * study's declared space, on its declared scale (log10 for `log: true`,
 * evenly spaced categories for categorical, linear otherwise, as
 * optuna-dashboard's plot does), plus the objective; each completed trial is a
 * polyline through its values, coloured by its objective (better is darker).
 */
import type { ParamDomain } from "./types.ts";

export interface Axis {
  name: string;
  kind: "linear" | "log" | "categorical";
  /** linear/log: the range in value units (log: positive); categorical: unused (0, n − 1). */
  min: number;
  max: number;
  categories?: string[];
  /** The objective's axis (drawn last, labelled with the goal). */
  objective?: boolean;
}

export interface LineTrial {
  id: string;
  params: Record<string, unknown>;
  objective: number;
}

/** Axes for the declared parameters (then any the trials carry that the space lacks), then the objective. */
export function axesFor(
  parameters: Record<string, ParamDomain>,
  trials: readonly LineTrial[],
  objective: string,
): Axis[] {
  const names = [...Object.keys(parameters)];
  for (const t of trials) for (const k of Object.keys(t.params)) if (!names.includes(k)) names.push(k);
  const axes = names.map((name) =>
    paramAxis(
      name,
      parameters[name],
      trials.map((t) => t.params[name]),
    ),
  );
  const values = trials.map((t) => t.objective);
  // A loss spanning decades (one diverged trial at 2, the good ones near 0.002) reads on a log scale.
  const log = values.length > 1 && values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) >= 100;
  const kind = log ? "log" : "linear";
  axes.push({ ...widen({ name: objective, kind, min: Infinity, max: -Infinity }, values), objective: true });
  return axes;
}

function paramAxis(name: string, domain: ParamDomain | undefined, values: unknown[]): Axis {
  if (domain?.type === "categorical" || (!domain && values.some((v) => typeof v === "string"))) {
    const categories = domain?.values?.map(String) ?? [];
    for (const v of values) if (v !== undefined && !categories.includes(String(v))) categories.push(String(v));
    return { name, kind: "categorical", min: 0, max: Math.max(0, categories.length - 1), categories };
  }
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const declared =
    domain?.type === "discrete"
      ? { min: Math.min(...(domain.values as number[])), max: Math.max(...(domain.values as number[])) }
      : { min: domain?.min ?? Infinity, max: domain?.max ?? -Infinity };
  const log = domain?.log === true && declared.min > 0;
  return widen({ name, kind: log ? "log" : "linear", ...declared }, numbers);
}

/** The axis' range grown to hold every value (a trial outside the declared bounds still shows). */
function widen(axis: Axis, values: number[]): Axis {
  let { min, max } = axis;
  for (const v of values) {
    if (!Number.isFinite(v) || (axis.kind === "log" && v <= 0)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ...axis, min: 0, max: 1 };
  return { ...axis, min, max };
}

/** Where a value sits on its axis: 0 (bottom) … 1 (top); undefined when it cannot be placed. */
export function position(axis: Axis, value: unknown): number | undefined {
  if (axis.kind === "categorical") {
    const i = axis.categories?.indexOf(String(value)) ?? -1;
    if (i < 0) return undefined;
    return axis.categories!.length === 1 ? 0.5 : i / (axis.categories!.length - 1);
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  if (axis.kind === "log") {
    if (value <= 0) return undefined;
    const lo = Math.log10(axis.min);
    const span = Math.log10(axis.max) - lo;
    return span > 0 ? (Math.log10(value) - lo) / span : 0.5;
  }
  const span = axis.max - axis.min;
  return span > 0 ? (value - axis.min) / span : 0.5;
}

export interface Tick {
  at: number;
  label: string;
}

export function formatValue(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(1).replace(".0e", "e") : String(Number(v.toPrecision(3)));
}

/** Labels along an axis: each category, each decade of a log axis, or about five round numbers. */
export function ticks(axis: Axis): Tick[] {
  if (axis.kind === "categorical") return (axis.categories ?? []).map((c) => ({ at: position(axis, c)!, label: c }));
  if (axis.max <= axis.min) return [{ at: 0.5, label: formatValue(axis.min) }];
  if (axis.kind === "log") {
    const out: Tick[] = [];
    for (let e = Math.ceil(Math.log10(axis.min) - 1e-9); 10 ** e <= axis.max * (1 + 1e-9); e++)
      out.push({ at: position(axis, 10 ** e)!, label: formatValue(10 ** e) });
    // Less than two decades: the ends say more.
    return out.length >= 2 ? out : [axis.min, axis.max].map((v) => ({ at: position(axis, v)!, label: formatValue(v) }));
  }
  const raw = (axis.max - axis.min) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: Tick[] = [];
  for (let v = Math.ceil(axis.min / step - 1e-9) * step; v <= axis.max + step * 1e-9; v += step)
    out.push({ at: position(axis, v)!, label: formatValue(Number(v.toPrecision(12))) });
  return out;
}

/**
 * The colour of a trial by its objective: 0 is the best end of the range, 1 the worst (a viridis-like ramp, dark
 * purple → teal → amber, lightness rising along it, so it reads on white and without hue).
 */
export function colorAt(t: number): string {
  const stops = [
    [68, 1, 84],
    [33, 145, 140],
    // Amber rather than viridis' light yellow, which vanishes on white.
    [222, 150, 20],
  ] as const;
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i]!.map((a, j) => Math.round(a + (stops[i + 1]![j]! - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * Each trial's rank by objective as 0 (best) … 1 (worst), following the study's direction. Ranks, not values: one
 * diverged trial would otherwise paint every other line the same colour.
 */
export function badnessByRank(trials: readonly LineTrial[], maximize: boolean): Map<string, number> {
  const sorted = [...trials].sort((a, b) => (maximize ? b.objective - a.objective : a.objective - b.objective));
  const out = new Map<string, number>();
  sorted.forEach((t, i) => out.set(t.id, sorted.length > 1 ? i / (sorted.length - 1) : 0));
  return out;
}
