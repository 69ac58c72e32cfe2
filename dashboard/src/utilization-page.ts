/**
 * Running accelerator jobs: per device its utilization over the check's window (a sparkline of the window's
 * buckets, now and peak), the idle streak, and the check's recent preemptions and terminations.
 */
import { getJson } from "./api.ts";
import { duration, h, link, table, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import type { DeviceReading, JobUtilization, UtilizationView } from "./types.ts";

const SVG = "http://www.w3.org/2000/svg";
const FAMILY_LABEL: Record<string, string> = { "tpu-duty-cycle": " duty cycle", "tpu-tensorcore": " TensorCore" };

const pct = (v: number | undefined) => (v === undefined ? "–" : `${v} %`);

/** The window's bucket means as a line (0–100 %); gaps where a bucket had no sample. */
function sparkline(r: DeviceReading, label: string): SVGElement {
  const w = 72;
  const hgt = 18;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(hgt));
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("role", "img");
  const values = r.points.map((p) => (p === null ? "no data" : `${p} %`)).join(", ");
  svg.setAttribute("aria-label", `${label} over the window, oldest first: ${values}`);
  const n = r.points.length;
  const x = (i: number) => (n === 1 ? w / 2 : (i / (n - 1)) * (w - 2) + 1);
  const y = (v: number) => hgt - 1 - (Math.min(100, Math.max(0, v)) / 100) * (hgt - 2);
  let run: string[] = [];
  const flush = () => {
    if (!run.length) return;
    const line = document.createElementNS(SVG, run.length === 1 ? "circle" : "polyline");
    if (run.length === 1) {
      const [cx, cy] = run[0]!.split(",");
      line.setAttribute("cx", cx!);
      line.setAttribute("cy", cy!);
      line.setAttribute("r", "1.5");
    } else line.setAttribute("points", run.join(" "));
    svg.append(line);
    run = [];
  };
  r.points.forEach((p, i) => (p === null ? flush() : run.push(`${x(i).toFixed(1)},${y(p).toFixed(1)}`)));
  flush();
  return svg;
}

function devices(j: JobUtilization, metricsShown: boolean): Node {
  if (!j.readings.length) {
    const why = metricsShown ? `no samples for its ${j.devices} device${j.devices === 1 ? "" : "s"} yet` : "–";
    return h("span", { class: "muted" }, why);
  }
  return h(
    "ul",
    { class: "devices" },
    ...j.readings.map((r) => {
      const name = `${j.kind === "gpu" ? "GPU" : "TPU"} ${r.device}${FAMILY_LABEL[r.family] ?? ""}`;
      const label = j.pods > 1 ? `${name} (${r.pod})` : name;
      return h(
        "li",
        { "data-device": r.device, "data-pod": r.pod },
        h("span", { class: "device" }, label),
        " ",
        sparkline(r, label),
        ` now ${pct(r.latest)}, mean ${pct(r.mean)}, peak ${pct(r.peak)}`,
      );
    }),
  );
}

function streak(j: JobUtilization): Node | string {
  if (!j.lowUtilizationSince) return j.inScope ? "not idle" : "not judged (outside the check's scope)";
  return h(
    "span",
    { class: "idle" },
    `idle for ${duration(j.idleForMs)} (since `,
    when(j.lowUtilizationSince),
    ")",
    j.terminatesAfter ? h("span", {}, "; stopped after ", when(j.terminatesAfter)) : "",
  );
}

export function utilizationPage(el: HTMLElement, q: Query): Page {
  const namespace = q.get("namespace") ?? "";
  const settings = h("p", { id: "utilization-settings" });
  const note = h("p", { id: "metrics-note", class: "note", role: "status" });
  const jobsHost = h("div", { id: "utilization-jobs" });
  const eventsHost = h("div", { id: "utilization-events" });
  el.replaceChildren(
    h("h1", {}, "Utilization"),
    settings,
    note,
    h(
      "section",
      { "aria-labelledby": "h-util-jobs" },
      h("h2", { id: "h-util-jobs" }, "Running accelerator jobs"),
      jobsHost,
    ),
    h(
      "section",
      { "aria-labelledby": "h-util-events" },
      h("h2", { id: "h-util-events" }, "Recent preemptions and terminations"),
      eventsHost,
    ),
  );
  return {
    title: "Utilization",
    async load() {
      const v = await getJson<UtilizationView>("/utilization", { namespace });
      const s = v.settings;
      settings.textContent =
        `Over the last ${duration(s.windowMs)} (samples every ${duration(s.sampleIntervalMs)}); ` +
        `a job is idle when every device stays below ${s.lowUtilizationThreshold} %. ` +
        (s.terminateUnderutilized
          ? `Idle jobs are stopped after ${duration(s.terminateUnderutilizedAfterMs)}.`
          : "Idle jobs are not stopped.") +
        (v.lastRun ? ` Last check ${new Date(v.lastRun.startedAt).toLocaleString()} (${v.lastRun.status}).` : "");
      note.textContent =
        v.metrics.status === "unavailable"
          ? `Metrics unavailable: ${v.metrics.message}. Jobs and idle streaks are from the last checks.`
          : v.metrics.status === "off"
            ? `No per-device metrics: ${v.metrics.message}.`
            : "";
      note.hidden = note.textContent === "";
      const shown = v.metrics.status === "ok";
      jobsHost.replaceChildren(
        v.jobs.length
          ? table(
              `${v.jobs.length} running accelerator job${v.jobs.length === 1 ? "" : "s"}`,
              ["Job", "Namespace", "Accelerator", "Devices", "Utilization per device", "Idle streak", "Started"],
              v.jobs.map((j) => [
                link(`#/jobs/${encodeURIComponent(j.namespace)}/${encodeURIComponent(j.id)}`, j.id),
                j.namespace,
                j.accelerator,
                j.devices,
                devices(j, shown),
                streak(j),
                when(j.startedAt),
              ]),
            )
          : h("p", { class: "empty" }, "No accelerator job is running."),
      );
      eventsHost.replaceChildren(
        v.events.length
          ? table(
              `${v.events.length} in the recent checks, newest first`,
              ["When", "Action", "Job", "Namespace", "Reason"],
              v.events.map((e) => [
                when(e.at),
                e.action,
                link(`#/jobs/${encodeURIComponent(e.namespace)}/${encodeURIComponent(e.jobId)}`, e.jobId),
                e.namespace,
                e.reason,
              ]),
            )
          : h("p", { class: "empty" }, "None in the recent checks."),
      );
      return v.jobs.length > 0;
    },
  };
}
