/** The objective per trial (points) and the best-so-far line, drawn by uPlot. */
import uPlot from "uplot";
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
