/** "Needs attention" on the study page, drawn from attention.ts's lists. */
import { ATTENTION_ROWS, attentionLists, jobHref, why } from "./attention.ts";
import { h, link, stateBadge } from "./dom.ts";
import type { Trial } from "./types.ts";

export function renderAttention(host: HTMLElement, trials: Trial[]): void {
  const { problems, stopped } = attentionLists(trials);
  const list = (label: string, id: string, items: Trial[]): HTMLElement[] => {
    const shown = items.slice(0, ATTENTION_ROWS);
    const more = items.length - shown.length;
    return [
      h(
        "ul",
        { id, class: "attention", "aria-label": label },
        ...shown.map((t) =>
          h(
            "li",
            { "data-trial": t.id },
            stateBadge(t.state),
            " ",
            h("strong", {}, `trial ${t.index}`),
            ` ${why(t) || "no reason recorded"} `,
            link(jobHref(t), `logs of job ${t.jobId}`),
          ),
        ),
      ),
      ...(more > 0 ? [h("p", { class: "muted" }, `and ${more} more (sort the trial table by state)`)] : []),
    ];
  };
  host.replaceChildren(
    problems.length
      ? h(
          "p",
          { id: "attention-summary" },
          `${problems.length} ${problems.length === 1 ? "trial" : "trials"} ended without a result, newest first:`,
        )
      : h("p", { id: "attention-summary" }, "No trial failed or ended without its metrics."),
    ...(problems.length ? list("Trials that ended without a result", "attention-problems", problems) : []),
    ...(stopped.length
      ? [
          h(
            "p",
            {},
            `${stopped.length} ${stopped.length === 1 ? "trial was" : "trials were"} stopped early by the median ` +
              "rule (not a failure), newest first:",
          ),
          ...list("Trials stopped early", "attention-stopped", stopped),
        ]
      : []),
  );
}
