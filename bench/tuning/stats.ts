/** Small statistics for the tuning bench: quantiles, and a run's best-so-far figures. */

/** The q-quantile (0..1) by linear interpolation; Infinity entries sort last (a run that never got there). */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (!Number.isFinite(s[hi]!)) return s[hi]!;
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const median = (values: number[]) => quantile(values, 0.5);

/** Lowest value among the first n trials. */
export function bestAfter(values: number[], n: number): number {
  let best = Infinity;
  for (let i = 0; i < Math.min(n, values.length); i++) best = Math.min(best, values[i]!);
  return best;
}

/** 1-based trial at which a value first falls to `threshold`, Infinity if never. */
export function trialsToReach(values: number[], threshold: number): number {
  const i = values.findIndex((v) => v <= threshold);
  return i < 0 ? Infinity : i + 1;
}

/** A figure for a table: 3 significant digits, ">cap" for a run that never got there. */
export function fmt(v: number, cap?: number): string {
  if (!Number.isFinite(v)) return cap === undefined ? "—" : `>${cap}`;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}
