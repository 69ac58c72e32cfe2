/**
 * The README's study-page screenshot, from a real run: starts the local stack
 * (as `npm start` does), runs the example study (scripts/examples/study-example.ts)
 * to its end, opens its page in Debian's headless Chromium at 1280 px wide and
 * saves the page as a palette PNG (docs/images/study-page.png by default).
 *
 *   node scripts/screenshot-study.ts [--out FILE]
 *
 * Needs the browser (`bash testbed/chromium/build.sh`); takes about a minute.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium as playwright } from "playwright-core";
import { createLogger } from "../shared/log.ts";
import { runStudyExample } from "./examples/study-example.ts";
import { chromium } from "./lib/chromium.ts";
import { LocalStack, REPO_ROOT } from "./lib/local-stack.ts";

const { values } = parseArgs({ options: { out: { type: "string" } } });
const out = resolve(values.out ?? join(REPO_ROOT, "docs/images/study-page.png"));
const dataDir = mkdtempSync(join(tmpdir(), "kinetic-screenshot-"));
const stack = new LocalStack({
  dataDir,
  project: "kinetic-screenshot",
  cluster: { kind: "local" },
  cronIntervalMs: 500,
  log: createLogger({}, () => {}),
  say: (line) => console.log(line),
});
let code = 0;
try {
  await stack.start();
  const status = await runStudyExample({
    repoRoot: REPO_ROOT,
    apiUrl: stack.apiUrl,
    token: stack.token,
    target: "local",
    say: (line) => console.log(line),
  });
  if (status.state !== "SUCCEEDED") throw new Error(`the example study ended ${status.state} (${status.reason})`);
  const { executablePath, env } = chromium();
  const browser = await playwright.launch({ executablePath, env, args: ["--no-sandbox"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/ui/#/studies/${status.namespace}/${status.id}`);
    await page.getByLabel("API token").fill(stack.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(`#parallel-coords[data-lines="${status.counts.succeeded}"] svg`).waitFor();
    await page.locator(".page:not([aria-busy])").waitFor();
    // Whatever has keyboard focus would show its ring in the picture.
    await page.evaluate(() =>
      (globalThis as unknown as { document: { activeElement?: { blur?(): void } } }).document.activeElement?.blur?.(),
    );
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${out} (${Math.round(statSync(out).size / 1024)} KiB)`);
} catch (err) {
  console.error(`screenshot failed: ${(err as Error).message}`);
  code = 1;
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
