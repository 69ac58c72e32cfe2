/**
 * Parallel coordinates over a study's parameters and its objective, drawn as
 * SVG (uPlot has no such mode; ~1,000 paths of a few points each stay well
 * inside a frame). Each completed trial is one path (`data-trial`), coloured
 * by its objective; the best trial is drawn last, thick and outlined. The
 * figure carries a text summary for screen readers and anyone who prefers
 * words; the layout math is in parallel-layout.ts.
 */
import { h } from "./dom.ts";
import {
  axesFor,
  badnessByRank,
  colorAt,
  formatValue,
  position,
  ticks,
  type Axis,
  type LineTrial,
} from "./parallel-layout.ts";
import type { ParamDomain } from "./types.ts";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 320;
const MARGIN = { top: 34, bottom: 24, left: 56, right: 70 };

function s(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

export interface ParallelInput {
  parameters: Record<string, ParamDomain>;
  trials: LineTrial[];
  objective: string;
  maximize: boolean;
  /** The best trial's id (highlighted). */
  bestId?: string;
}

/** Draws the chart into `host` (replacing what was there) and returns the summary text it shows beside it. */
export function drawParallel(host: HTMLElement, input: ParallelInput): string {
  const { trials, objective, maximize } = input;
  const axes = axesFor(input.parameters, trials, objective);
  const width = Math.max(360, Math.min(960, host.clientWidth || 720));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => MARGIN.left + (axes.length === 1 ? plotW / 2 : (i * plotW) / (axes.length - 1));
  const y = (p: number) => MARGIN.top + (1 - p) * plotH;

  const pathOf = (t: LineTrial) => {
    let d = "";
    axes.forEach((a, i) => {
      const p = position(a, a.objective ? t.objective : t.params[a.name]);
      if (p === undefined) return;
      d += `${d ? "L" : "M"}${x(i).toFixed(1)},${y(p).toFixed(1)}`;
    });
    return d;
  };
  // Few lines are read one by one; many are read as density.
  const opacity = trials.length <= 50 ? 0.85 : trials.length <= 300 ? 0.55 : 0.4;
  const lines = s("g", { class: "pc-lines", fill: "none", "stroke-width": 1.2, "stroke-opacity": opacity });
  // Worst first, so better trials are drawn over them.
  const rank = badnessByRank(trials, maximize);
  const ordered = [...trials].sort((a, b) => rank.get(b.id)! - rank.get(a.id)!);
  const best = trials.find((t) => t.id === input.bestId);
  for (const t of ordered) {
    if (t === best) continue;
    const color = colorAt(rank.get(t.id)!);
    lines.append(
      s(
        "path",
        { d: pathOf(t), stroke: color, "data-trial": t.id },
        s("title", {}, `${t.id}: ${objective} ${t.objective}`),
      ),
    );
  }
  if (best) {
    const d = pathOf(best);
    lines.append(
      s("path", { d, stroke: "#fff", "stroke-width": 6, "stroke-opacity": 1, "aria-hidden": "true" }),
      s(
        "path",
        { d, stroke: "#c2410c", "stroke-width": 3, "stroke-opacity": 1, class: "pc-best", "data-trial": best.id },
        s("title", {}, `best: ${best.id}: ${objective} ${best.objective}`),
      ),
    );
  }

  const axisGroup = s("g", { class: "pc-axes", "font-size": 11, fill: "#1f2937" });
  axes.forEach((a, i) => {
    const ax = x(i);
    axisGroup.append(
      s("line", { x1: ax, x2: ax, y1: MARGIN.top, y2: MARGIN.top + plotH, stroke: "#374151", "stroke-width": 1 }),
      s("text", { x: ax, y: MARGIN.top - 18, "text-anchor": "middle", "font-weight": 600 }, axisTitle(a, maximize)),
    );
    for (const t of ticks(a))
      axisGroup.append(
        s("line", { x1: ax - 4, x2: ax, y1: y(t.at), y2: y(t.at), stroke: "#374151" }),
        s("text", { x: ax - 6, y: y(t.at) + 4, "text-anchor": "end", class: "pc-tick" }, t.label),
      );
  });

  const summary = summarize(axes, trials, best, objective, maximize);
  const svg = s(
    "svg",
    // The summary itself is the figure's caption (aria-describedby); the image gets a short name.
    {
      width,
      height: HEIGHT,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: "img",
      "aria-label": `Parallel coordinates of ${trials.length} completed trials`,
    },
    lines,
    axisGroup,
  );
  host.dataset.lines = String(trials.length);
  host.replaceChildren(svg, legend(maximize));
  return summary;
}

function axisTitle(a: Axis, maximize: boolean): string {
  if (a.objective) return `${a.name} (${maximize ? "max" : "min"}${a.kind === "log" ? ", log" : ""})`;
  return a.kind === "log" ? `${a.name} (log)` : a.name;
}

function legend(maximize: boolean): HTMLElement {
  const stops = [0, 0.5, 1].map((t) => `${colorAt(t)} ${t * 100}%`).join(", ");
  return h(
    "p",
    { class: "pc-legend", "aria-hidden": "true" },
    h("span", { class: "pc-ramp", style: `background: linear-gradient(to right, ${stops})` }),
    ` best ← rank by objective → worst (${maximize ? "higher" : "lower"} is better); `,
    h("span", { class: "pc-best-key" }),
    " best trial",
  );
}

/** The chart in words: axes and their scales, how many trials, and where the best one sits. */
export function summarize(
  axes: Axis[],
  trials: LineTrial[],
  best: LineTrial | undefined,
  objective: string,
  maximize: boolean,
): string {
  const scales = axes
    .filter((a) => !a.objective)
    .map((a) => `${a.name} (${a.kind === "log" ? "log scale" : a.kind === "categorical" ? "categories" : "linear"})`)
    .join(", ");
  const objScale = axes.at(-1)?.kind === "log" ? " (log scale)" : "";
  const head = `Parallel coordinates of ${trials.length} completed trial${trials.length === 1 ? "" : "s"} over ${scales} and ${objective}${objScale}; lines coloured by their rank by ${objective}, darker is better (${maximize ? "maximize" : "minimize"}).`;
  if (!best) return `${head} No best trial yet.`;
  const params = axes
    .filter((a) => !a.objective)
    .map((a) => {
      const v = best.params[a.name];
      return `${a.name}=${typeof v === "number" ? formatValue(v) : String(v ?? "–")}`;
    })
    .join(", ");
  return `${head} Best trial ${best.id} (highlighted): ${objective} ${formatValue(best.objective)} with ${params}.`;
}
