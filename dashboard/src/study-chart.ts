/** The objective per trial (points) and the best-so-far line, and the trials' learning curves, drawn by uPlot. */
import uPlot from "uplot";
import { h } from "./dom.ts";
import { alignCurves, wantsLog, type CurveSelection, type CurveStyle } from "./learning-curves.ts";
import type { Trial } from "./types.ts";

export interface ChartData {
  x: number[];
  objective: (number | null)[];
  best: (number | null)[];
  points: number;
  /** All values positive and spanning two decades or more (one diverged trial): a log scale keeps the rest readable. */
  log: boolean;
}

/** Trials by index; best-so-far follows the study's direction (read off its best trial). */
export function chartData(trials: Trial[], maximize: boolean): ChartData {
  const sorted = [...trials].sort((a, b) => a.index - b.index);
  let best: number | null = null;
  const data: ChartData = { x: [], objective: [], best: [], points: 0, log: false };
  for (const t of sorted) {
    const v = typeof t.objective === "number" ? t.objective : null;
    if (v !== null) {
      data.points++;
      if (best === null || (maximize ? v > best : v < best)) best = v;
    }
    data.x.push(t.index);
    data.objective.push(v);
    data.best.push(best);
  }
  const values = data.objective.filter((v): v is number => v !== null);
  data.log = values.length > 1 && values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) >= 100;
  return data;
}

export function drawChart(host: HTMLElement, data: ChartData, objectiveName: string, previous?: uPlot): uPlot {
  const aligned: uPlot.AlignedData = [data.x, data.objective, data.best];
  host.dataset.points = String(data.points);
  const wasLog = previous?.scales.y?.distr === 3;
  if (previous && wasLog === data.log) {
    previous.setData(aligned);
    return previous;
  }
  previous?.destroy();
  const width = Math.max(320, Math.min(900, host.clientWidth || 720));
  return new uPlot(
    {
      width,
      height: 300,
      scales: { x: { time: false }, y: data.log ? { distr: 3, log: 10 } : {} },
      // Trials are whole numbers: ticks only on them.
      axes: [
        { label: "trial", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        { label: data.log ? `${objectiveName} (log scale)` : objectiveName },
      ],
      series: [
        { label: "trial" },
        {
          label: objectiveName,
          stroke: "#1f5fbf",
          paths: () => null,
          points: { show: true, size: 8, fill: "#1f5fbf" },
        },
        {
          label: "best so far",
          stroke: "#c2410c",
          width: 2,
          paths: uPlot.paths.stepped!({ align: 1 }),
          points: { show: false },
        },
      ],
    },
    aligned,
    host,
  );
}

const STEP_INCRS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1_000, 10_000, 100_000].map((d) => m * d))
  .sort((a, b) => a - b);

/** Line styles: colour and dash both differ, so the kinds stay apart without colour (the caption says them too). */
const CURVE_STYLE: Record<CurveStyle, Partial<uPlot.Series>> = {
  done: { stroke: "rgba(31, 95, 191, 0.45)", width: 1 },
  failed: { stroke: "#b91c1c", width: 1.5, dash: [2, 3] },
  stopped: { stroke: "#6b7280", width: 1.5, dash: [6, 4] },
  running: { stroke: "#15803d", width: 2 },
  best: { stroke: "#c2410c", width: 3 },
};

/**
 * One line per selected trial. The same trials in the same order only get new data (a running study refreshes
 * every 2 s); another set of curves or scale rebuilds the plot.
 */
export function drawCurves(
  host: HTMLElement,
  sel: CurveSelection,
  metric: string,
  previous?: uPlot,
): uPlot | undefined {
  const key = sel.curves.map((c) => `${c.id}:${c.style}`).join(",");
  const log = wantsLog(sel.curves);
  host.dataset.curves = String(sel.curves.length);
  host.dataset.trials = sel.curves.map((c) => c.id).join(" ");
  host.dataset.styles = sel.curves.map((c) => c.style).join(" ");
  const { x, ys } = alignCurves(sel.curves);
  const aligned: uPlot.AlignedData = [x, ...ys];
  if (previous && host.dataset.key === `${key}|${log}`) {
    previous.setData(aligned);
    return previous;
  }
  previous?.destroy();
  host.dataset.key = `${key}|${log}`;
  if (sel.curves.length === 0) {
    host.replaceChildren();
    return undefined;
  }
  const width = Math.max(320, Math.min(900, host.clientWidth || 720));
  return new uPlot(
    {
      width,
      height: 300,
      scales: { x: { time: false }, y: log ? { distr: 3, log: 10 } : {} },
      // Steps are whole numbers (a pushed step or a log line): ticks only on them.
      axes: [{ label: "step", incrs: STEP_INCRS }, { label: log ? `${metric} (log scale)` : metric }],
      // Forty-odd series make uPlot's legend a wall of rows: the caption and the list below the plot say it instead;
      // the hovered curve stands out and the others fade.
      legend: { show: false },
      focus: { alpha: 0.25 },
      cursor: { focus: { prox: 16 } },
      series: [
        { label: "step" },
        ...sel.curves.map((c) => ({
          label: `trial ${c.index}`,
          ...CURVE_STYLE[c.style],
          spanGaps: true,
          points: { show: c.points.length === 1, size: 5 },
        })),
      ],
    },
    aligned,
    host,
  );
}

const KEY_LABEL: Record<CurveStyle, string> = {
  best: "best trial",
  running: "running",
  stopped: "stopped early",
  failed: "failed",
  done: "completed",
};

/** A key for the line styles on the plot (only those drawn), each a short sample of its line. */
export function curvesKey(sel: CurveSelection): HTMLElement {
  const present = new Set(sel.curves.map((c) => c.style));
  const order: CurveStyle[] = ["best", "done", "running", "stopped", "failed"];
  const sample = (style: CurveStyle) => {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "8");
    svg.setAttribute("aria-hidden", "true");
    const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
    const st = CURVE_STYLE[style];
    for (const [k, v] of Object.entries({ x1: 0, y1: 4, x2: 28, y2: 4, stroke: st.stroke, "stroke-width": st.width }))
      line.setAttribute(k, String(v));
    if (st.dash) line.setAttribute("stroke-dasharray", st.dash.join(" "));
    svg.append(line);
    return svg;
  };
  return h(
    "p",
    { class: "pc-legend", id: "curves-key" },
    ...order.filter((s) => present.has(s)).flatMap((s) => [sample(s), `${KEY_LABEL[s]} `]),
  );
}
