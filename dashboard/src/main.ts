/**
 * The dashboard's router: a sign-in step (the token lives in sessionStorage),
 * hash routes to the pages, and a refresh loop that polls while anything on
 * the page is active. A 401 returns to sign-in; a 404 shows not-found; any
 * other error shows a message above the last data, which stays.
 */
import { ApiError, session, token } from "./api.ts";
import { buildsPage } from "./builds-page.ts";
import { buildPage } from "./build-page.ts";
import { configPage } from "./config-page.ts";
import { utilizationPage } from "./utilization-page.ts";
import { h } from "./dom.ts";
import { jobPage } from "./job-page.ts";
import { jobsPage } from "./jobs-page.ts";
import type { Page } from "./page.ts";
import { studiesPage } from "./studies-page.ts";
import { studyPage } from "./study-page.ts";

const REFRESH_MS = 2000;
const main = document.getElementById("main")!;
const status = document.getElementById("status")!;
const nav = document.getElementById("nav")!;
let generation = 0;

function route(): { page: Page | null; el: HTMLElement } {
  const el = h("div", { class: "page" });
  const [path = "", query = ""] = location.hash.replace(/^#/, "").split("?");
  const q = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts[0] === "jobs" && parts.length === 1)) return { page: jobsPage(el, q), el };
  if (parts[0] === "jobs" && parts.length === 3) return { page: jobPage(el, parts[1]!, parts[2]!), el };
  if (parts[0] === "studies" && parts.length === 1) return { page: studiesPage(el, q), el };
  if (parts[0] === "studies" && parts.length === 3) return { page: studyPage(el, parts[1]!, parts[2]!), el };
  if (parts[0] === "builds" && parts.length === 1) return { page: buildsPage(el, q), el };
  if (parts[0] === "builds" && parts.length === 2) return { page: buildPage(el, parts[1]!, q), el };
  if (parts[0] === "utilization" && parts.length === 1) return { page: utilizationPage(el, q), el };
  if (parts[0] === "config" && parts.length === 1) return { page: configPage(el, q), el };
  return { page: null, el };
}

function showStatus(message: string): void {
  status.textContent = message;
  status.hidden = message === "";
}

function notFound(what: string): void {
  document.title = "Not found · Kinetic";
  main.replaceChildren(
    h(
      "div",
      { class: "page", id: "not-found" },
      h("h1", {}, "Not found"),
      h("p", {}, what),
      h("p", {}, h("a", { href: "#/jobs" }, "Back to jobs")),
    ),
  );
}

function signIn(reason = ""): void {
  generation++;
  nav.hidden = true;
  showStatus("");
  document.title = "Sign in · Kinetic";
  const form = h(
    "form",
    {
      id: "sign-in",
      "aria-labelledby": "h-sign-in",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const value = String(new FormData(e.target as HTMLFormElement).get("token") ?? "").trim();
        if (!value) return;
        token.set(value);
        void render();
      },
    },
    h("h1", { id: "h-sign-in" }, "Sign in"),
    reason ? h("p", { role: "alert" }, reason) : null,
    h("p", {}, "Paste an API token: `npm start` prints one; deployed, use `gcloud auth print-identity-token`."),
    h("label", { for: "token" }, "API token"),
    h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true }),
    h("button", { type: "submit" }, "Sign in"),
  );
  main.replaceChildren(form);
  (form.querySelector("input") as HTMLInputElement).focus();
}

async function render(): Promise<void> {
  const mine = ++generation;
  if (!session.signedIn()) return signIn();
  nav.hidden = false;
  showStatus("");
  const { page, el } = route();
  if (!page) return notFound(`No page at ${location.hash || "/"}.`);
  document.title = `${page.title} · Kinetic`;
  main.replaceChildren(el);
  el.setAttribute("aria-busy", "true");
  let loaded = false;
  const tick = async (): Promise<void> => {
    if (mine !== generation) return;
    let again = true;
    try {
      again = await page.load();
      loaded = true;
      showStatus("");
      el.removeAttribute("aria-busy");
      el.dataset.loaded = String(Date.now());
    } catch (err) {
      if (mine !== generation) return;
      if (err instanceof ApiError && err.status === 401) {
        token.clear();
        return signIn(`Signed out: ${err.message}.`);
      }
      if (err instanceof ApiError && err.status === 404 && !loaded) return notFound(err.message);
      // Keep whatever was shown; say why it is not updating, and try again.
      showStatus(`Could not refresh: ${err instanceof Error ? err.message : String(err)}`);
      el.removeAttribute("aria-busy");
    }
    if (again && mine === generation) setTimeout(() => void tick(), REFRESH_MS);
  };
  await tick();
}

document.getElementById("sign-out")!.addEventListener("click", () => {
  token.clear();
  signIn();
});
window.addEventListener("hashchange", () => void render());
// Behind `kinetic dashboard` the proxy signs requests: no sign-in step and no sign-out.
void session.detect().then(() => {
  document.getElementById("sign-out")!.hidden = session.proxied;
  return render();
});
