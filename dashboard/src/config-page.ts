/**
 * The live operator config, read-only: every setting with whether an operator set it, and the change history
 * (newest first, paged by revision). Operators only: anyone else gets a message saying so, not an error.
 */
import { ApiError, getJson } from "./api.ts";
import { h, link, table, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import type { OperatorConfigChange, OperatorConfigView } from "./types.ts";

const PAGE_SIZE = 20;

/** Dotted paths → leaf values (arrays are leaves). */
function flatten(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

function at(obj: Record<string, unknown>, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const show = (v: unknown) => (v === undefined ? "(default)" : JSON.stringify(v));

export function configPage(el: HTMLElement, q: Query): Page {
  const before = Number(q.get("before")) || undefined;
  const summary = h("p", { id: "config-summary" });
  const settings = h("div", { id: "config-settings" });
  const history = h("div", { id: "config-history" });
  el.replaceChildren(
    h("h1", {}, "Operator config"),
    summary,
    h("section", { "aria-labelledby": "h-config-history" }, h("h2", { id: "h-config-history" }, "Changes"), history),
    h("section", { "aria-labelledby": "h-config-now" }, h("h2", { id: "h-config-now" }, "In effect"), settings),
  );
  return {
    title: "Operator config",
    async load() {
      let state: OperatorConfigView;
      let page: { changes: OperatorConfigChange[]; nextBefore?: number };
      try {
        [state, page] = await Promise.all([
          getJson<OperatorConfigView>("/admin/config"),
          getJson<{ changes: OperatorConfigChange[]; nextBefore?: number }>("/admin/config/history", {
            limit: PAGE_SIZE,
            before,
          }),
        ]);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 403)) throw err;
        el.replaceChildren(
          h("h1", {}, "Operator config"),
          h(
            "p",
            { id: "operators-only", class: "note" },
            "Operators only: the operator config and its history are shown to principals the namespace policy " +
              `grants every namespace ("*"). ${err.message}.`,
          ),
        );
        return false;
      }
      summary.replaceChildren(
        state.revision === 0
          ? "Revision 0: every setting is at its default."
          : h(
              "span",
              {},
              `Revision ${state.revision}, changed by ${state.updatedBy ?? "?"} `,
              when(state.updatedAt),
              ". Change it with kinetic admin config set.",
            ),
      );
      settings.replaceChildren(
        table(
          "Every setting (defaults filled in)",
          ["Setting", "Value", "Source"],
          flatten(state.config).map(([path, v]) => [
            h("code", {}, path),
            h("code", {}, JSON.stringify(v)),
            at(state.set, path) === undefined ? "default" : "set by an operator",
          ]),
        ),
      );
      const p = (b: number | undefined, label: string) => link(b ? `#/config?before=${b}` : "#/config", label);
      history.replaceChildren(
        page.changes.length
          ? table(
              before ? `Changes before revision ${before}, newest first` : "Changes, newest first",
              ["Revision", "When", "By", "What changed", "Reason"],
              page.changes.map((c) => [
                c.revision,
                when(c.at),
                c.by,
                h(
                  "ul",
                  { class: "changes" },
                  ...c.changed.map((path) =>
                    h("li", {}, h("code", {}, path), `: ${show(at(c.old, path))} → ${show(at(c.new, path))}`),
                  ),
                ),
                c.reason ?? "",
              ]),
            )
          : h("p", { class: "empty" }, "No changes recorded."),
        h(
          "nav",
          { "aria-label": "Change pages", class: "pager" },
          before ? p(undefined, "Newest") : null,
          page.nextBefore ? p(page.nextBefore, "Older") : null,
        ),
      );
      return false;
    },
  };
}
