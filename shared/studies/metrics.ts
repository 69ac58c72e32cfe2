/**
 * Trial metrics: `name=value` lines from a trial's logs (Katib's StdOut
 * collector, TEXT format) and pushed reports, and the objective a series
 * yields. Parsing rules (shared/reference/tuning.md §5): a line counts only
 * for the metric names the study wants; an optional leading RFC3339 token is
 * the point's time; decimals with exponents (`1e-05`, `-3.2E+2`) parse;
 * NaN, Inf and anything that is not a finite decimal are rejected, so they
 * can never become a trial's value (check 13). Other numbers on the line
 * (`epoch 3`, `val_loss=…` when `loss` is wanted) do not count.
 */
import type { MetricPoint } from "../store/study-store.ts";

const RFC3339 = /^\s*(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2}))\s/;
// A name token (not preceded by a name character, so `val_loss` never reads as `loss`), '=', a decimal.
const PAIR =
  /(?<![A-Za-z0-9_./-])([A-Za-z_][A-Za-z0-9_./-]*)\s*=\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?![A-Za-z0-9_.])/g;

export type Series = Record<string, MetricPoint[]>;

/** Every wanted metric's points, in log order; step = line number (1-based). */
export function parseMetricLines(text: string, wanted: readonly string[]): Series {
  const out: Series = {};
  const want = new Set(wanted);
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (!wanted.some((w) => line.includes(w))) continue;
    const ts = RFC3339.exec(line);
    const at = ts ? new Date(ts[1]!.replace(" ", "T")).toISOString() : undefined;
    for (const m of line.matchAll(PAIR)) {
      const name = m[1]!;
      const value = Number(m[2]);
      if (!want.has(name) || !Number.isFinite(value)) continue;
      (out[name] ??= []).push({ value, step: i + 1, ...(at ? { at } : {}) });
    }
  }
  return out;
}

/** Pushed reports ({step: {name: value}}) as a series per metric, by step; non-finite values dropped. */
export function pushedSeries(pushed: Record<string, Record<string, number>> | undefined, wanted: readonly string[]) {
  const out: Series = {};
  const steps = Object.keys(pushed ?? {})
    .map(Number)
    .sort((a, b) => a - b);
  for (const step of steps)
    for (const [name, value] of Object.entries(pushed![String(step)]!))
      if (wanted.includes(name) && typeof value === "number" && Number.isFinite(value))
        (out[name] ??= []).push({ value, step });
  return out;
}

/** Pushed points win for a metric that has any (the trial reported it explicitly); else its log points. */
export function mergeSeries(logs: Series, pushed: Series): Series {
  return { ...logs, ...pushed };
}

/**
 * One value from a series: `best` is the min when minimising and the max when
 * maximising (Katib's webhook default: a noisy curve scores its best epoch);
 * `latest` the newest point (by time when stamped, on equal times the later
 * line). Undefined for an empty series.
 */
export function pickValue(
  points: readonly MetricPoint[] | undefined,
  strategy: "best" | "latest",
  objectiveType: "minimize" | "maximize",
): number | undefined {
  if (!points?.length) return undefined;
  if (strategy === "latest") {
    const t = (p: MetricPoint) => (p.at ? Date.parse(p.at) : -Infinity);
    return points.reduce((a, b) => (t(b) > t(a) || (t(b) === t(a) && b.step >= a.step) ? b : a)).value;
  }
  const values = points.map((p) => p.value);
  return objectiveType === "minimize" ? Math.min(...values) : Math.max(...values);
}

/**
 * Each metric's value: the objective by the study's strategy; additional
 * metrics (recorded, never used for decisions) by their latest point, since
 * their direction is unknown (Katib's API comment; its code uses min/max).
 */
export function metricValues(
  series: Series,
  objective: string,
  strategy: "best" | "latest",
  objectiveType: "minimize" | "maximize",
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, points] of Object.entries(series)) {
    const v = pickValue(points, name === objective ? strategy : "latest", objectiveType);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
