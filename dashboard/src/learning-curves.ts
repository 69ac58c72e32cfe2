/**
 * Learning curves (optuna-dashboard's intermediate values): which trials' objective-per-step curves the study page
 * draws, how each is styled, and the words that say the same. Pure (no DOM, no uPlot) so it is unit-tested in Node.
 * A 1,000-trial study draws a bounded set: the best completed, every running one and the latest, never all.
 */
import type { MetricPoint, Trial } from "./types.ts";

export type CurveStyle = "best" | "running" | "stopped" | "failed" | "done";
export interface Curve {
  id: string;
  index: number;
  state: string;
  style: CurveStyle;
  points: { step: number; value: number }[];
}
export interface CurveSelection {
  /** Drawn in this order (the best last, so on top). */
  curves: Curve[];
  /** Trials with at least one reported step (only those can be drawn). */
  withCurves: number;
  total: number;
  /** Everything with a curve is drawn; otherwise what each rule picked. */
  all: boolean;
  picked: { top: number; running: number; latest: number };
}
export interface CurveLimits {
  top: number;
  latest: number;
  /** Running trials are bounded by the study's parallelism; this caps a runaway one. */
  running: number;
}
export const CURVE_LIMITS: CurveLimits = { top: 20, latest: 20, running: 100 };

const RUNNING = new Set(["CREATED", "PENDING"]);
const FAILED = new Set(["FAILED", "METRICS_UNAVAILABLE", "CANCELLED"]);

/** The objective's points: the finished trial's series, else what it pushed so far (a running or failed trial). */
export function curveOf(t: Trial, metric: string): { step: number; value: number }[] {
  const series: MetricPoint[] | undefined = t.series?.[metric];
  const points = series?.length
    ? series.map((p) => ({ step: p.step, value: p.value }))
    : Object.entries(t.pushed ?? {}).flatMap(([step, m]) => {
        const value = m[metric];
        return typeof value === "number" && Number.isFinite(value) ? [{ step: Number(step), value }] : [];
      });
  return points.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
}

export function styleOf(t: Trial, bestId: string | undefined): CurveStyle {
  if (t.id === bestId) return "best";
  if (RUNNING.has(t.state)) return "running";
  if (t.state === "EARLY_STOPPED") return "stopped";
  if (FAILED.has(t.state)) return "failed";
  return "done";
}

export function selectCurves(
  trials: Trial[],
  o: { metric: string; maximize: boolean; bestId?: string | undefined; limits?: CurveLimits },
): CurveSelection {
  const limits = o.limits ?? CURVE_LIMITS;
  const candidates = trials
    .map((t) => ({ t, points: curveOf(t, o.metric) }))
    .filter((c) => c.points.length > 0)
    .sort((a, b) => a.t.index - b.t.index);
  const chosen = new Set<string>();
  const picked = { top: 0, running: 0, latest: 0 };
  const all = candidates.length <= limits.top + limits.latest;
  if (all) for (const c of candidates) chosen.add(c.t.id);
  else {
    const sign = o.maximize ? -1 : 1;
    const top = candidates
      .filter((c) => c.t.state === "SUCCEEDED" && typeof c.t.objective === "number")
      .sort((a, b) => sign * (a.t.objective! - b.t.objective!))
      .slice(0, limits.top);
    const take = (list: typeof candidates, n: number): number => {
      let added = 0;
      for (const c of list) {
        if (added >= n) break;
        if (chosen.has(c.t.id)) continue;
        chosen.add(c.t.id);
        added++;
      }
      return added;
    };
    picked.top = take(top, limits.top);
    // Newest first: a runaway study shows its most recent running trials.
    const newest = [...candidates].reverse();
    picked.running = take(
      newest.filter((c) => RUNNING.has(c.t.state)),
      limits.running,
    );
    picked.latest = take(newest, limits.latest);
    // The study's best is always drawn (it may have been found before the top list was cut, e.g. by a tie).
    const best = candidates.find((c) => c.t.id === o.bestId);
    if (best) chosen.add(best.t.id);
  }
  const rank: Record<CurveStyle, number> = { done: 0, failed: 1, stopped: 2, running: 3, best: 4 };
  const curves = candidates
    .filter((c) => chosen.has(c.t.id))
    .map((c) => ({ id: c.t.id, index: c.t.index, state: c.t.state, style: styleOf(c.t, o.bestId), points: c.points }))
    .sort((a, b) => rank[a.style] - rank[b.style] || a.index - b.index);
  return { curves, withCurves: candidates.length, total: trials.length, all, picked };
}

/** uPlot's aligned columns: the union of steps, one column per curve with null where it has no point. */
export function alignCurves(curves: Curve[]): { x: number[]; ys: (number | null)[][] } {
  const x = [...new Set(curves.flatMap((c) => c.points.map((p) => p.step)))].sort((a, b) => a - b);
  const at = new Map(x.map((s, i) => [s, i]));
  const ys = curves.map((c) => {
    const col: (number | null)[] = new Array<number | null>(x.length).fill(null);
    for (const p of c.points) col[at.get(p.step)!] = p.value;
    return col;
  });
  return { x, ys };
}

/** All values positive and spanning two decades or more: a log scale keeps the converged curves readable. */
export function wantsLog(curves: Curve[]): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (const c of curves)
    for (const p of c.points) {
      if (p.value <= 0) return false;
      min = Math.min(min, p.value);
      max = Math.max(max, p.value);
    }
  return max / min >= 100;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The figure's caption: what is drawn and why, and what each line style means, in words. */
export function curvesCaption(sel: CurveSelection, metric: string): string {
  if (sel.withCurves === 0)
    return `No trial has reported ${metric} per step yet (a trial's curve appears once it pushes a step or finishes).`;
  const n = sel.curves.length;
  const parts = [
    sel.all
      ? `${metric} against step for ${plural(n, "trial")} (every trial with reported steps).`
      : `${metric} against step for ${n} of ${sel.withCurves} trials with reported steps: the best ${sel.picked.top} ` +
        `completed, ${sel.picked.running} running and the latest ${sel.picked.latest} others.`,
  ];
  const best = sel.curves.find((c) => c.style === "best");
  if (best) {
    const last = best.points[best.points.length - 1]!;
    parts.push(`Best trial ${best.id} (thick orange) ends at ${metric} ${round(last.value)} at step ${last.step}.`);
  }
  const count = (s: CurveStyle) => sel.curves.filter((c) => c.style === s);
  const running = count("running");
  if (running.length) parts.push(`Running, still growing (green): ${names(running)}.`);
  const stopped = count("stopped");
  if (stopped.length) parts.push(`Stopped early by the median rule (grey, dashed): ${names(stopped)}.`);
  const failed = count("failed");
  if (failed.length) parts.push(`Failed or without a result (red, dotted): ${names(failed)}.`);
  return parts.join(" ");
}

function names(curves: Curve[]): string {
  const shown = curves.slice(0, 5).map((c) => `${c.id} (to step ${c.points[c.points.length - 1]!.step})`);
  return curves.length > 5 ? `${shown.join(", ")} and ${curves.length - 5} more` : shown.join(", ");
}

function round(v: number): string {
  return String(Number(v.toPrecision(4)));
}
