/** Jobs, newest first, filtered by state, namespace and accelerator (kept in the hash), paged by the list route's cursor. */
import { getJson } from "./api.ts";
import { between, h, link, stateBadge, table, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import { JOB_STATES, TERMINAL, type Job } from "./types.ts";

const PAGE_SIZE = 50;
const FILTERS = ["state", "namespace", "accelerator"] as const;
/** Offered in the accelerator box; any canonical name the API knows may be typed. */
const COMMON_ACCELERATORS = [
  "cpu",
  "nvidia-l4",
  "nvidia-tesla-a100",
  "nvidia-h100-80gb",
  "tpu-v5litepod-8",
  "tpu-v6e-8",
];

export function jobsPage(el: HTMLElement, q: Query): Page {
  const state = q.get("state") ?? "";
  const namespace = q.get("namespace") ?? "";
  const accelerator = q.get("accelerator") ?? "";
  const seen = h("datalist", { id: "accelerators" }, ...COMMON_ACCELERATORS.map((a) => h("option", { value: a })));
  const cursor = q.get("cursor") ?? "";
  const limit = Math.min(500, Number(q.get("limit")) || PAGE_SIZE);
  // The cursors of the pages before this one, so "Newer" can go back.
  const back = q.getAll("back");
  const body = h("div", { id: "jobs-body" });
  const filters = h(
    "form",
    { class: "filters", "aria-label": "Filter jobs", onsubmit: (e: Event) => applyFilters(e) },
    h(
      "label",
      {},
      "State ",
      h(
        "select",
        { name: "state" },
        h("option", { value: "" }, "any"),
        ...JOB_STATES.map((s) => h("option", { value: s, selected: s === state }, s)),
      ),
    ),
    h("label", {}, "Namespace ", h("input", { name: "namespace", value: namespace, placeholder: "all you may see" })),
    h(
      "label",
      {},
      "Accelerator ",
      h("input", { name: "accelerator", value: accelerator, placeholder: "any", list: "accelerators", size: 16 }),
    ),
    seen,
    h("button", { type: "submit" }, "Apply"),
  );
  el.replaceChildren(h("h1", {}, "Jobs"), filters, body);

  function applyFilters(e: Event): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const k of FILTERS) {
      const v = String(data.get(k) ?? "").trim();
      if (v) next.set(k, v);
    }
    location.hash = `#/jobs?${next}`;
  }

  function pageLink(label: string, nextCursor: string | undefined, backs: string[]): HTMLElement {
    const p = new URLSearchParams();
    for (const [k, v] of [
      ["state", state],
      ["namespace", namespace],
      ["accelerator", accelerator],
    ])
      if (v) p.set(k!, v);
    if (limit !== PAGE_SIZE) p.set("limit", String(limit));
    if (nextCursor) p.set("cursor", nextCursor);
    for (const b of backs) p.append("back", b);
    return link(`#/jobs?${p}`, label);
  }

  return {
    title: "Jobs",
    async load() {
      const page = await getJson<{ jobs: Job[]; nextCursor?: string }>("/jobs", {
        state,
        namespace,
        accelerator,
        cursor,
        limit,
      });
      // The accelerators on screen join the suggestions.
      const known = new Set([...seen.querySelectorAll("option")].map((o) => o.getAttribute("value")));
      for (const j of page.jobs)
        if (!known.has(j.accelerator)) {
          known.add(j.accelerator);
          seen.append(h("option", { value: j.accelerator }));
        }
      const rows = page.jobs.map((j) => [
        link(`#/jobs/${encodeURIComponent(j.namespace)}/${encodeURIComponent(j.id)}`, j.id),
        j.namespace,
        stateBadge(j.state),
        j.accelerator,
        when(j.createdAt),
        between(j.startedAt, j.finishedAt),
        j.reason ?? "",
      ]);
      const nav = h(
        "nav",
        { "aria-label": "Job pages", class: "pager" },
        cursor ? pageLink("Newer", back.at(-1), back.slice(0, -1)) : null,
        page.nextCursor ? pageLink("Older", page.nextCursor, [...back, cursor]) : null,
      );
      body.replaceChildren(
        page.jobs.length
          ? table(
              `${page.jobs.length} job${page.jobs.length === 1 ? "" : "s"}, newest first`,
              ["Job", "Namespace", "State", "Accelerator", "Created", "Ran for", "Reason"],
              rows,
            )
          : h("p", { class: "empty" }, "No jobs match."),
        nav,
      );
      return page.jobs.some((j) => !TERMINAL.has(j.state));
    },
  };
}
