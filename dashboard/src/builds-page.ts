/** Image builds: key, state, duration. */
import { getJson } from "./api.ts";
import { duration, h, link, stateBadge, table, when } from "./dom.ts";
import type { Page, Query } from "./page.ts";
import type { Build } from "./types.ts";

const BUILD_ACTIVE = new Set(["QUEUED", "BUILDING"]);

export function buildsPage(el: HTMLElement, q: Query): Page {
  const namespace = q.get("namespace") ?? "";
  const body = h("div");
  el.replaceChildren(h("h1", {}, "Builds"), body);
  return {
    title: "Builds",
    async load() {
      const { builds } = await getJson<{ builds: Build[] }>("/builds", { namespace });
      body.replaceChildren(
        builds.length
          ? table(
              `${builds.length} build${builds.length === 1 ? "" : "s"}`,
              ["Build", "Key", "State", "Accelerator", "Created", "Duration", "Reason"],
              builds.map((b) => [
                link(
                  `#/builds/${encodeURIComponent(b.id)}${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ""}`,
                  b.id,
                ),
                h("code", {}, b.key.slice(0, 16)),
                stateBadge(b.state),
                b.accelerator ?? "",
                when(b.createdAt),
                duration(b.durationMs),
                b.reason ?? "",
              ]),
            )
          : h("p", { class: "empty" }, "No builds."),
      );
      return builds.some((b) => BUILD_ACTIVE.has(b.state));
    },
  };
}
