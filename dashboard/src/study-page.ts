/** One study: its status, the objective per trial with best-so-far, and a sortable trial table. */
import type uPlot from "uplot";
import { getJson } from "./api.ts";
import { h, link, stateBadge } from "./dom.ts";
import type { Page } from "./page.ts";
import { chartData, drawChart } from "./study-chart.ts";
import { countsText, STUDY_ACTIVE } from "./studies-page.ts";
import type { Study, Trial } from "./types.ts";

type SortKey = "index" | "state" | "objective";
interface Spec {
  objectives?: string[];
  objectiveType?: string;
}

export function studyPage(el: HTMLElement, namespace: string, id: string): Page {
  const summary = h("dl", { class: "summary" });
  const chartHost = h("div", { id: "study-chart", class: "chart" });
  const chartCaption = h("p", { id: "chart-caption", class: "caption" });
  const trialsHost = h("div");
  let plot: uPlot | undefined;
  let trials: Trial[] = [];
  let spec: Spec | undefined;
  let sort: { key: SortKey; dir: 1 | -1 } = { key: "index", dir: 1 };
  el.replaceChildren(
    h("h1", {}, `Study ${id}`),
    summary,
    h(
      "section",
      { "aria-labelledby": "h-chart" },
      h("h2", { id: "h-chart" }, "Objective per trial"),
      h("figure", { "aria-describedby": "chart-caption" }, chartHost),
      chartCaption,
    ),
    h("section", { "aria-labelledby": "h-trials" }, h("h2", { id: "h-trials" }, "Trials"), trialsHost),
  );
  const q = { namespace };

  function renderTable(): void {
    const sorted = [...trials].sort((a, b) => {
      const av = a[sort.key] ?? Number.POSITIVE_INFINITY;
      const bv = b[sort.key] ?? Number.POSITIVE_INFINITY;
      return (av < bv ? -1 : av > bv ? 1 : 0) * sort.dir;
    });
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
        h("td", {}, link(`#/jobs/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.jobId)}`, t.id)),
        h("td", {}, stateBadge(t.state)),
        h("td", {}, t.objective ?? t.reason ?? ""),
        ...params.map((p) => h("td", {}, formatParam(t.params[p]))),
      );
    trialsHost.replaceChildren(
      h(
        "table",
        { id: "trials" },
        h("caption", {}, `${trials.length} trials (sort by a column's button)`),
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
            ...params.map((p) => header(p)),
          ),
        ),
        h("tbody", {}, ...sorted.map(row)),
      ),
    );
  }

  return {
    title: `Study ${id}`,
    async load() {
      const [{ status }, list] = await Promise.all([
        getJson<{ status: Study }>(`/studies/${encodeURIComponent(id)}`, q),
        getJson<{ trials: Trial[] }>(`/studies/${encodeURIComponent(id)}/trials`, q),
      ]);
      trials = list.trials;
      // The status has no spec; the listing does (once: it does not change).
      spec ??= await getJson<{ studies: (Study & { spec?: Spec })[] }>("/studies", q)
        .then((r) => r.studies.find((s) => s.id === id)?.spec ?? {})
        .catch(() => ({}));
      const objective = spec.objectives?.[0] ?? "objective";
      const maximize = spec.objectiveType === "maximize";
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
      chartCaption.textContent = status.best
        ? `${data.points} trials with a value; best: trial ${status.best.trialId} (${objective} ${status.best.value}).`
        : `${data.points} trials with a value; no best trial yet.`;
      renderTable();
      return STUDY_ACTIVE.has(status.state);
    },
  };
}

function formatParam(v: unknown): string {
  return typeof v === "number" ? String(Number(v.toPrecision(4))) : String(v ?? "");
}
