/** A tiny element builder: enough DOM for tables and forms without a framework. */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: HTMLElement, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** A table with a caption and column headers (scope="col"). */
export function table(caption: string, headers: (string | Node)[], rows: Child[][]): HTMLElement {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headers.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
  );
}

export function link(href: string, text: string): HTMLElement {
  return h("a", { href }, text);
}

export function stateBadge(state: string): HTMLElement {
  return h("span", { class: `state state-${state.toLowerCase()}` }, state);
}

/** "3 s ago"-style age; absolute time in the title for the curious. */
export function when(iso: string | undefined): Child {
  if (!iso) return "";
  return h("time", { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${(s / 3600).toFixed(1)} h`;
}

export function between(start: string | undefined, end: string | undefined): string {
  if (!start) return "";
  return duration((end ? Date.parse(end) : Date.now()) - Date.parse(start));
}
