/** One job: its summary, spec, state timeline, attempts, and logs that follow while it runs. */
import { getJson, getText } from "./api.ts";
import { between, h, stateBadge, table, when } from "./dom.ts";
import type { Page } from "./page.ts";
import { TERMINAL, type Job } from "./types.ts";

const LOG_TAIL = 2000;

export function jobPage(el: HTMLElement, namespace: string, id: string): Page {
  const summary = h("dl", { class: "summary" });
  const timeline = h("ol", { class: "timeline", "aria-label": "State timeline" });
  const attempts = h("div");
  const spec = h("pre", { class: "spec", tabindex: 0, "aria-label": "Job spec" });
  const logs = h("pre", { class: "logs", id: "logs", tabindex: 0, "aria-label": "Logs", "aria-live": "polite" });
  el.replaceChildren(
    h("h1", {}, `Job ${id}`),
    summary,
    h("section", { "aria-labelledby": "h-timeline" }, h("h2", { id: "h-timeline" }, "Timeline"), timeline),
    h("section", { "aria-labelledby": "h-attempts" }, h("h2", { id: "h-attempts" }, "Attempts"), attempts),
    h("section", { "aria-labelledby": "h-logs" }, h("h2", { id: "h-logs" }, "Logs"), logs),
    h("section", { "aria-labelledby": "h-spec" }, h("h2", { id: "h-spec" }, "Spec"), spec),
  );
  const q = { namespace };
  return {
    title: `Job ${id}`,
    async load() {
      const { job } = await getJson<{ job: Job }>(`/jobs/${encodeURIComponent(id)}`, q);
      const text = await getText(`/jobs/${encodeURIComponent(id)}/logs`, { ...q, tail: LOG_TAIL });
      const item = (k: string, v: Node | string | number | undefined | null) =>
        v === undefined || v === null || v === "" ? [] : [h("dt", {}, k), h("dd", {}, v)];
      summary.replaceChildren(
        ...item("State", stateBadge(job.state)),
        ...item("Namespace", job.namespace),
        ...item("Accelerator", job.accelerator),
        ...item("Image", job.image),
        ...item("Reason", job.reason),
        ...item("Message", job.message),
        ...item("Exit code", job.exitCode),
        ...item("Ran for", between(job.startedAt, job.finishedAt)),
        ...item("Outputs", job.outputDir),
      );
      timeline.replaceChildren(
        ...(job.events ?? []).map((e) =>
          h("li", {}, when(e.at), " ", stateBadge(e.state), ` ${e.reason}`, e.message ? ` — ${e.message}` : ""),
        ),
      );
      const list = job.attempts ?? [];
      attempts.replaceChildren(
        list.length
          ? table(
              "Attempts, oldest first",
              ["Attempt", "Workload", "Started", "Ended", "Outcome", "Reason"],
              list.map((a) => [
                a.attempt,
                a.workload,
                when(a.startedAt),
                when(a.endedAt),
                a.outcome ?? "",
                a.reason ?? "",
              ]),
            )
          : h("p", { class: "empty" }, "No attempt yet."),
      );
      spec.textContent = JSON.stringify(job.spec ?? {}, null, 2);
      // Follow the tail only when the reader is already at the bottom.
      const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
      logs.textContent = text || (TERMINAL.has(job.state) ? "(no output)" : "(waiting for output…)");
      if (atBottom) logs.scrollTop = logs.scrollHeight;
      return !TERMINAL.has(job.state);
    },
  };
}
