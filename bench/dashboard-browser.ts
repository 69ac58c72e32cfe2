/**
 * Browser-side timing for the dashboard bench: each measured load is a fresh
 * page (signed in through sessionStorage before any script runs, as after a
 * sign-in), where a MutationObserver marks, at the first animation frame after
 * it happens, when the page is interactive (the jobs table's first row; the
 * study's chart with all its points and the parallel coordinates with all
 * their lines). Times are from navigation start (performance.now() = 0); the
 * floor is the API calls the page waits on, from the same load's Resource
 * Timing entries.
 */
import type { Browser } from "playwright-core";

/**
 * Runs in the page before its scripts (a string: this file is compiled without the DOM's types): signs in and
 * records `window.__marks[name]` when `selector` first matches.
 */
function observer(token: string, marks: Record<string, string>): string {
  return `(() => {
    sessionStorage.setItem("kinetic-token", ${JSON.stringify(token)});
    const marks = (window.__marks = {});
    const pending = new Map(Object.entries(${JSON.stringify(marks)}));
    const check = () => {
      for (const [name, selector] of pending)
        if (document.querySelector(selector)) {
          pending.delete(name);
          // The frame that paints it: the DOM is there, the browser draws it next.
          requestAnimationFrame(() => (marks[name] = performance.now()));
        }
      if (!pending.size) observer.disconnect();
    };
    const observer = new MutationObserver(check);
    document.addEventListener("DOMContentLoaded", () => {
      observer.observe(document.body, { childList: true, subtree: true, attributes: true });
      check();
    });
  })();`;
}

export interface Load {
  /** Navigation start → each mark (ms). */
  marks: Record<string, number>;
  /** The API calls matching `floorPattern`: first start → last response end (ms); they run in parallel. */
  floorMs: number;
  /** Navigation start → the first API call's start (HTML, JS and CSS loaded, the page routed). */
  assetsMs: number;
  /** The page's own performance.mark()s (e.g. study:data, study:chart), first of each name, from navigation start. */
  pageMarks: Record<string, number>;
}

/** One fresh load of `url` in a new context; resolves once every mark is set. */
export async function measureLoad(
  browser: Browser,
  url: string,
  token: string,
  marks: Record<string, string>,
  floorPattern: RegExp,
): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addInitScript({ content: observer(token, marks) });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(
      (names) => names.every((n) => (globalThis as unknown as { __marks: Record<string, number> }).__marks[n]),
      Object.keys(marks),
      { timeout: 60_000, polling: 50 },
    );
    const got = await page.evaluate(() => ({
      marks: (globalThis as unknown as { __marks: Record<string, number> }).__marks,
      resources: performance
        .getEntriesByType("resource")
        .map((e) => ({ name: e.name, start: e.startTime, end: (e as unknown as { responseEnd: number }).responseEnd })),
      pageMarks: performance.getEntriesByType("mark").map((e) => [e.name, e.startTime] as const),
    }));
    const api = got.resources.filter((r) => floorPattern.test(new URL(r.name).pathname));
    if (!api.length) throw new Error(`no API call matching ${floorPattern} in the load of ${url}`);
    const start = Math.min(...api.map((r) => r.start));
    return {
      marks: got.marks,
      floorMs: Math.max(...api.map((r) => r.end)) - start,
      assetsMs: start,
      pageMarks: Object.fromEntries([...got.pageMarks].reverse()),
    };
  } finally {
    await context.close();
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
