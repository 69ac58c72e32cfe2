/** One image build: its key, state, duration and timeline, and its log, followed while it builds. */
import { getJson, getText } from "./api.ts";
import { between, duration, h, link, stateBadge, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import type { BuildDetail } from "./types.ts";

export const BUILD_ACTIVE = new Set(["QUEUED", "BUILDING"]);

export function buildPage(el: HTMLElement, id: string, q: Query): Page {
  const namespace = q.get("namespace") ?? "";
  const summary = h("dl", { class: "summary" });
  const timeline = h("ol", { class: "timeline", "aria-label": "Build timeline" });
  const waiting = h("div");
  const logs = h("pre", {
    class: "logs",
    id: "build-logs",
    tabindex: 0,
    "aria-label": "Build log",
    "aria-live": "polite",
  });
  const short = id.length > 20 ? `${id.slice(0, 12)}…${id.slice(-4)}` : id;
  el.replaceChildren(
    h("h1", {}, `Build ${short}`),
    summary,
    h("section", { "aria-labelledby": "h-build-timeline" }, h("h2", { id: "h-build-timeline" }, "Timeline"), timeline),
    waiting,
    h("section", { "aria-labelledby": "h-build-log" }, h("h2", { id: "h-build-log" }, "Log"), logs),
  );
  const query = { namespace };
  return {
    title: `Build ${short}`,
    async load() {
      const path = `/builds/${encodeURIComponent(id)}`;
      const [{ build: b }, text] = await Promise.all([
        getJson<{ build: BuildDetail }>(path, query),
        getText(`${path}/logs`, query),
      ]);
      const active = BUILD_ACTIVE.has(b.state);
      const item = (k: string, v: Node | string | number | undefined | null) =>
        v === undefined || v === null || v === "" ? [] : [h("dt", {}, k), h("dd", {}, v)];
      const packages = Object.entries(b.resolvedPackages ?? {});
      summary.replaceChildren(
        ...item("State", stateBadge(b.state)),
        ...item("Key", h("code", {}, b.key)),
        ...item("Attempt", b.attempt),
        ...item("Accelerator", b.accelerator),
        ...item("Image", b.image ? h("code", {}, b.image) : undefined),
        ...item("Digest", b.digest ? h("code", {}, b.digest) : undefined),
        ...item("Base image", b.baseImage ? h("code", {}, b.baseImage) : undefined),
        ...item("Created", when(b.createdAt) || undefined),
        ...item(
          "Duration",
          b.durationMs !== undefined ? duration(b.durationMs) : active ? between(b.startedAt, undefined) : "",
        ),
        ...item("Reason", b.reason),
        ...item("Message", b.message),
        ...item("Packages", packages.map(([n, v]) => `${n}==${v}`).join(", ")),
      );
      timeline.replaceChildren(
        ...(b.events ?? []).map((e) =>
          h(
            "li",
            {},
            when(e.at),
            " ",
            stateBadge(e.state),
            e.reason ? ` ${e.reason}` : "",
            e.message ? ` — ${e.message}` : "",
          ),
        ),
      );
      // Only when the record names them (today's build records do not).
      waiting.replaceChildren(
        ...(b.jobs?.length
          ? [
              h("h2", { id: "h-build-jobs" }, "Jobs waiting on it"),
              h(
                "ul",
                { "aria-labelledby": "h-build-jobs" },
                ...b.jobs.map((j) =>
                  h(
                    "li",
                    {},
                    link(
                      `#/jobs/${encodeURIComponent(j.namespace)}/${encodeURIComponent(j.id)}`,
                      `${j.namespace}/${j.id}`,
                    ),
                  ),
                ),
              ),
            ]
          : []),
      );
      const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
      logs.textContent = text || (active ? "(waiting for output…)" : "(no log)");
      if (atBottom) logs.scrollTop = logs.scrollHeight;
      return active;
    },
  };
}
