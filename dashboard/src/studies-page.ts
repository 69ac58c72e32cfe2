/** Studies: progress, trial counts per state and the best trial so far. */
import { getJson } from "./api.ts";
import { h, link, stateBadge, table, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import type { Study } from "./types.ts";

export const STUDY_ACTIVE = new Set(["CREATED", "RUNNING"]);

export function countsText(c: Record<string, number>): string {
  return Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
}

export function studiesPage(el: HTMLElement, q: Query): Page {
  const namespace = q.get("namespace") ?? "";
  const body = h("div");
  const filters = h(
    "form",
    {
      class: "filters",
      "aria-label": "Filter studies",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const v = String(new FormData(e.target as HTMLFormElement).get("namespace") ?? "").trim();
        location.hash = v ? `#/studies?namespace=${encodeURIComponent(v)}` : "#/studies";
      },
    },
    h("label", {}, "Namespace ", h("input", { name: "namespace", value: namespace, placeholder: "all you may see" })),
    h("button", { type: "submit" }, "Apply"),
  );
  el.replaceChildren(h("h1", {}, "Studies"), filters, body);
  return {
    title: "Studies",
    async load() {
      const { studies } = await getJson<{ studies: Study[] }>("/studies", { namespace });
      const rows = studies.map((s) => {
        const planned = s.plannedTrials ?? 0;
        const done = planned - (s.counts.pending ?? 0) - (s.counts.running ?? 0) - (planned - (s.issued ?? 0));
        return [
          link(`#/studies/${encodeURIComponent(s.namespace)}/${encodeURIComponent(s.id)}`, s.id),
          s.namespace,
          stateBadge(s.state),
          h(
            "span",
            {},
            h("progress", { max: planned || 1, value: Math.max(0, done), "aria-label": `${s.id} progress` }),
            ` ${Math.max(0, done)}/${planned}`,
          ),
          countsText(s.counts),
          s.best ? `${s.best.value} (trial ${s.best.index})` : "",
          when(s.createdAt),
        ];
      });
      body.replaceChildren(
        studies.length
          ? table(
              `${studies.length} stud${studies.length === 1 ? "y" : "ies"}`,
              ["Study", "Namespace", "State", "Progress", "Trials", "Best", "Created"],
              rows,
            )
          : h("p", { class: "empty" }, "No studies."),
      );
      return studies.some((s) => STUDY_ACTIVE.has(s.state));
    },
  };
}
