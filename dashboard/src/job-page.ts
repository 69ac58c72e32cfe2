/** One job: its summary, spec, state timeline, attempts, outputs, and logs streamed while it runs. */
import { getJson } from "./api.ts";
import { between, h, stateBadge, table, when } from "./dom.ts";
import { JobOutputs } from "./job-outputs.ts";
import { LogStream } from "./log-stream.ts";
import type { Page } from "./page.ts";
import { TERMINAL, type Job } from "./types.ts";

export function jobPage(el: HTMLElement, namespace: string, id: string): Page {
  const summary = h("dl", { class: "summary" });
  const timeline = h("ol", { class: "timeline", "aria-label": "State timeline" });
  const attempts = h("div");
  const spec = h("pre", { class: "spec", tabindex: 0, "aria-label": "Job spec" });
  const logs = h("pre", { class: "logs", id: "logs", tabindex: 0, "aria-label": "Logs" }, "(waiting for output…)");
  const base = `/jobs/${encodeURIComponent(id)}`;
  const q = { namespace };
  const stream = new LogStream(logs, `${base}/logs`, q);
  const outputs = new JobOutputs(base, q);
  el.replaceChildren(
    h("h1", {}, `Job ${id}`),
    summary,
    h("section", { "aria-labelledby": "h-timeline" }, h("h2", { id: "h-timeline" }, "Timeline"), timeline),
    h("section", { "aria-labelledby": "h-attempts" }, h("h2", { id: "h-attempts" }, "Attempts"), attempts),
    h("section", { "aria-labelledby": "h-logs" }, h("h2", { id: "h-logs" }, "Logs"), logs),
    h("section", { "aria-labelledby": "h-outputs" }, h("h2", { id: "h-outputs" }, "Outputs"), outputs.el),
    h("section", { "aria-labelledby": "h-spec" }, h("h2", { id: "h-spec" }, "Spec"), spec),
  );
  return {
    title: `Job ${id}`,
    async load() {
      const { job } = await getJson<{ job: Job }>(base, q);
      const terminal = TERMINAL.has(job.state);
      // The stream reads on its own; this only tells it when the job starts running and when it ends.
      stream.update({ terminal, hasWorkload: Boolean(job.workload) });
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
      await outputs.refresh(terminal);
      // Shown above the page by the router, which keeps polling while the stream is failing; the lines stay.
      if (stream.error) throw stream.error;
      return !terminal || !stream.done;
    },
  };
}
