/**
 * One study: its status, the trials that need attention, the objective per trial with best-so-far, the trials'
 * learning curves, parallel coordinates over its parameters, parameter importance, and a sortable trial table.
 */
import type uPlot from "uplot";
import { getJson } from "./api.ts";
import { jobHref, why } from "./attention.ts";
import { renderAttention } from "./attention-view.ts";
import { h, link, stateBadge } from "./dom.ts";
import { renderImportance } from "./importance-view.ts";
import { drawParallel } from "./parallel-coords.ts";
import type { Page } from "./page.ts";
import { curvesCaption, selectCurves } from "./learning-curves.ts";
import { chartData, curvesKey, drawChart, drawCurves } from "./study-chart.ts";
import { countsText, STUDY_ACTIVE } from "./studies-page.ts";
import type { Study, StudyImportance, Trial } from "./types.ts";

type SortKey = "index" | "state" | "objective";
const TABLE_ROWS = 100;

export function studyPage(el: HTMLElement, namespace: string, id: string): Page {
  const summary = h("dl", { class: "summary" });
  const chartHost = h("div", { id: "study-chart", class: "chart" });
  const chartCaption = h("p", { id: "chart-caption", class: "caption" });
  const trialsHost = h("div");
  const attentionHost = h("div", { id: "attention" });
  const curvesHost = h("div", { id: "learning-curves", class: "chart" });
  const curvesCaptionEl = h("p", { id: "curves-caption", class: "caption" });
  let curvesKeyEl = h("p");
  const curvesFigure = h("figure", { "aria-describedby": "curves-caption", role: "img" }, curvesHost);
  const parallelHost = h("div", { id: "parallel-coords", class: "chart" });
  const parallelCaption = h("p", { id: "parallel-caption", class: "caption" });
  const importanceHost = h("div", { id: "importance-host" });
  let plot: uPlot | undefined;
  let curvesPlot: uPlot | undefined;
  let trials: Trial[] = [];
  let sort: { key: SortKey; dir: 1 | -1 } = { key: "index", dir: 1 };
  // A long study shows its first rows in the chosen order until asked for all (a 1,000-row table costs a frame).
  let showAll = false;
  el.replaceChildren(
    h("h1", {}, `Study ${id}`),
    summary,
    h(
      "section",
      { "aria-labelledby": "h-attention" },
      h("h2", { id: "h-attention" }, "Needs attention"),
      attentionHost,
    ),
    h(
      "section",
      { "aria-labelledby": "h-chart" },
      h("h2", { id: "h-chart" }, "Objective per trial"),
      h("figure", { "aria-describedby": "chart-caption" }, chartHost),
      chartCaption,
    ),
    h(
      "section",
      { "aria-labelledby": "h-curves" },
      h("h2", { id: "h-curves" }, "Learning curves"),
      curvesFigure,
      curvesKeyEl,
      curvesCaptionEl,
    ),
    h(
      "section",
      { "aria-labelledby": "h-parallel" },
      h("h2", { id: "h-parallel" }, "Parallel coordinates"),
      h("figure", { "aria-describedby": "parallel-caption" }, parallelHost),
      parallelCaption,
    ),
    h(
      "section",
      { "aria-labelledby": "h-importance" },
      h("h2", { id: "h-importance" }, "Parameter importance"),
      importanceHost,
    ),
    // Below the fold: the browser lays a 1,000-row table out only when it scrolls into view (styles.css).
    h("section", { "aria-labelledby": "h-trials", class: "lazy" }, h("h2", { id: "h-trials" }, "Trials"), trialsHost),
  );
  const q = { namespace };

  function renderTable(): void {
    const sorted = [...trials].sort((a, b) => {
      const av = a[sort.key] ?? Number.POSITIVE_INFINITY;
      const bv = b[sort.key] ?? Number.POSITIVE_INFINITY;
      return (av < bv ? -1 : av > bv ? 1 : 0) * sort.dir;
    });
    const shown = showAll ? sorted : sorted.slice(0, TABLE_ROWS);
    const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
    const header = (label: string, key?: SortKey) => {
      if (!key) return h("th", { scope: "col" }, label);
      const current = sort.key === key;
      const aria = current ? (sort.dir === 1 ? "ascending" : "descending") : undefined;
      const button = h(
        "button",
        {
          type: "button",
          class: "sort",
          onclick: () => {
            sort = { key, dir: current ? (-sort.dir as 1 | -1) : 1 };
            renderTable();
          },
        },
        label,
        current ? (sort.dir === 1 ? " ▲" : " ▼") : "",
      );
      return h("th", { scope: "col", "aria-sort": aria }, button);
    };
    const row = (t: Trial) =>
      h(
        "tr",
        {},
        h("td", {}, t.index),
        h("td", {}, link(jobHref(t), t.id)),
        h("td", {}, stateBadge(t.state)),
        h("td", {}, t.objective !== undefined ? formatObjective(t.objective) : ""),
        // The reason in the cell, the whole message as its tooltip (and in "Needs attention" for the failures).
        h("td", t.message ? { title: why(t) } : {}, t.reason ?? ""),
        ...params.map((p) => h("td", {}, formatParam(t.params[p]))),
      );
    trialsHost.replaceChildren(
      h(
        "table",
        { id: "trials" },
        h(
          "caption",
          {},
          shown.length < sorted.length
            ? `${trials.length} trials, first ${shown.length} shown (sort by a column's button)`
            : `${trials.length} trials (sort by a column's button)`,
        ),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            header("#", "index"),
            header("Trial"),
            header("State", "state"),
            header("Objective", "objective"),
            header("Reason"),
            ...params.map((p) => header(p)),
          ),
        ),
        h("tbody", {}, ...shown.map(row)),
      ),
      ...(shown.length < sorted.length
        ? [
            h(
              "button",
              {
                type: "button",
                onclick: () => {
                  showAll = true;
                  renderTable();
                },
              },
              `Show all ${sorted.length} trials`,
            ),
          ]
        : []),
    );
  }

  return {
    title: `Study ${id}`,
    async load() {
      const base = `/studies/${encodeURIComponent(id)}`;
      // The importance answer also carries the search space, the objective (the status has no spec) and the trials:
      // one read of a 1,000-trial study instead of two.
      const [{ status }, importance] = await Promise.all([
        getJson<{ status: Study }>(base, q),
        getJson<StudyImportance & { trials: Trial[] }>(`${base}/importance`, { ...q, include: "trials" }),
      ]);
      performance.mark("study:data");
      trials = importance.trials;
      const objective = importance.objective ?? "objective";
      const maximize = importance.objectiveType === "maximize";
      const item = (k: string, v: Node | string | number | undefined) =>
        v === undefined || v === "" ? [] : [h("dt", {}, k), h("dd", {}, v)];
      summary.replaceChildren(
        ...item("State", stateBadge(status.state)),
        ...item("Reason", status.reason),
        ...item("Namespace", status.namespace),
        ...item("Goal", `${maximize ? "maximize" : "minimize"} ${objective}`),
        ...item("Trials", `${status.created ?? 0} of ${status.planned ?? 0} created; ${countsText(status.counts)}`),
        ...item(
          "Best",
          status.best
            ? `trial ${status.best.trialId}: ${objective} ${status.best.value} with ${Object.entries(status.best.params)
                .map(([k, v]) => `${k}=${formatParam(v)}`)
                .join(", ")}`
            : "none yet",
        ),
      );
      const data = chartData(trials, maximize);
      plot = drawChart(chartHost, data, objective, plot);
      performance.mark("study:chart");
      renderAttention(attentionHost, trials);
      const curves = selectCurves(trials, { metric: objective, maximize, bestId: status.best?.trialId });
      curvesPlot = drawCurves(curvesHost, curves, objective, curvesPlot);
      curvesKeyEl.replaceWith((curvesKeyEl = curvesKey(curves)));
      curvesCaptionEl.textContent = curvesCaption(curves, objective);
      curvesFigure.setAttribute(
        "aria-label",
        `Learning curves: ${objective} against step for ${curves.curves.length} trials`,
      );
      performance.mark("study:curves");
      chartCaption.textContent = status.best
        ? `${data.points} trials with a value; best: trial ${status.best.trialId} (${objective} ${status.best.value}).`
        : `${data.points} trials with a value; no best trial yet.`;
      const completed = trials
        .filter((t) => t.state === "SUCCEEDED" && typeof t.objective === "number")
        .map((t) => ({ id: t.id, params: t.params, objective: t.objective! }));
      parallelCaption.textContent = drawParallel(parallelHost, {
        parameters: importance.parameters,
        trials: completed,
        objective,
        maximize,
        ...(status.best ? { bestId: status.best.trialId } : {}),
      });
      performance.mark("study:parallel");
      renderImportance(importanceHost, importance);
      renderTable();
      performance.mark("study:table");
      return STUDY_ACTIVE.has(status.state);
    },
  };
}

function formatParam(v: unknown): string {
  return typeof v === "number" ? String(Number(v.toPrecision(4))) : String(v ?? "");
}

/** Six significant digits: 0.36 rather than 0.3600000000000001 (the full value is in the trial's job). */
function formatObjective(v: number): string {
  return String(Number(v.toPrecision(6)));
}
