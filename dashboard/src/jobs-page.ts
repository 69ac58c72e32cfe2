/** Jobs, newest first, filtered by state and namespace, paged by the list route's cursor. */
import { getJson } from "./api.ts";
import { between, h, link, stateBadge, table, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import { JOB_STATES, TERMINAL, type Job } from "./types.ts";

const PAGE_SIZE = 50;

export function jobsPage(el: HTMLElement, q: Query): Page {
  const state = q.get("state") ?? "";
  const namespace = q.get("namespace") ?? "";
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
    h("button", { type: "submit" }, "Apply"),
  );
  el.replaceChildren(h("h1", {}, "Jobs"), filters, body);

  function applyFilters(e: Event): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const k of ["state", "namespace"]) {
      const v = String(data.get(k) ?? "").trim();
      if (v) next.set(k, v);
    }
    location.hash = `#/jobs?${next}`;
  }

  function pageLink(label: string, nextCursor: string | undefined, backs: string[]): HTMLElement {
    const p = new URLSearchParams();
    if (state) p.set("state", state);
    if (namespace) p.set("namespace", namespace);
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
        cursor,
        limit,
      });
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
