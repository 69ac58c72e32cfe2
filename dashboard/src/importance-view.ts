/**
 * Parameter importance as a bar list (GET /studies/:id/importance): the
 * method named, computed over completed trials only, and a note instead of
 * bars until the study has enough of them.
 */
import { h } from "./dom.ts";
import type { StudyImportance } from "./types.ts";

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.01 ? 1 : 0)} %`;

export function renderImportance(host: HTMLElement, report: StudyImportance): void {
  const method = h(
    "p",
    { class: "caption" },
    `Method: ${report.method}; over the ${report.completed} completed trial${report.completed === 1 ? "" : "s"} only.`,
  );
  if (!report.importance) {
    host.replaceChildren(
      h("p", { id: "importance-note" }, `Not enough trials yet: ${report.note ?? ""}.`.replace(/\.\.$/, ".")),
      method,
    );
    return;
  }
  const items = report.importance.map((p) =>
    h(
      "li",
      {},
      h("span", { class: "imp-name" }, p.name),
      h(
        "span",
        { class: "imp-bar", "aria-hidden": "true" },
        h("span", { class: "imp-fill", style: `width: ${(p.importance * 100).toFixed(1)}%` }),
      ),
      h(
        "span",
        { class: "imp-value" },
        `${pct(p.importance)} `,
        h("small", {}, `(explains ${pct(p.varianceExplained)} of the variance alone)`),
      ),
    ),
  );
  host.replaceChildren(
    h(
      "ol",
      { id: "importance", class: "importance", "aria-label": "Parameter importance, most important first" },
      ...items,
    ),
    ...(report.note ? [h("p", { class: "caption" }, report.note)] : []),
    method,
  );
}
