/**
 * The dashboard in a real browser: Debian's headless Chromium (testbed/chromium/build.sh) driven by
 * playwright-core against the local stack in this process, signed in with bearer tokens as a user would.
 * A second principal, "viewer", may use only team-b (KINETIC_NAMESPACE_POLICY / KINETIC_API_TOKENS, read by the
 * stack at start). Screenshots of each page go to <tmp>/kinetic-test-artifacts/dashboard/ (not committed).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStudyExample } from "../../scripts/examples/study-example.ts";
import { chromium } from "../../scripts/lib/chromium.ts";
import { useLocalStack } from "./local-stack-support.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const ARTIFACTS = join(tmpdir(), "kinetic-test-artifacts", "dashboard");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const VIEWER_TOKEN = randomBytes(18).toString("base64url");

// Read by LocalStack.start (beforeAll below): the local operator sees everything, the viewer only team-b.
const savedEnv = { policy: process.env.KINETIC_NAMESPACE_POLICY, tokens: process.env.KINETIC_API_TOKENS };
process.env.KINETIC_NAMESPACE_POLICY = JSON.stringify({ local: ["*"], viewer: ["team-b"] });
process.env.KINETIC_API_TOKENS = `viewer=${VIEWER_TOKEN}`;
const local = useLocalStack("dashboard");

let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Throws, naming testbed/chromium/build.sh, when the browser is not built: never a skip.
  const { executablePath, env } = chromium();
  browser = await playwright.launch({ executablePath, env, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
  for (const [k, v] of [
    ["KINETIC_NAMESPACE_POLICY", savedEnv.policy],
    ["KINETIC_API_TOKENS", savedEnv.tokens],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** A fresh browser context (its own sessionStorage), signed in with the token. */
async function signIn(token: string, hash = "#/jobs"): Promise<Page> {
  // The page's CSP forbids inline scripts; axe is injected as one, so the test context bypasses it.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${local.stack.apiUrl}/ui/${hash}`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: () => Promise<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }> };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
    }));
  });
  return result
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes): ${v.help}`);
}

async function checkPage(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  expect(await seriousViolations(page), `axe on the ${name} page`).toEqual([]);
}

/** A job printing `dashboard step i` `steps` times, `seconds` apart, then `dashboard done`. */
async function submitJob(namespace = "default", steps = 4, seconds = 0.5): Promise<string> {
  const res = await fetch(`${local.stack.apiUrl}/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${local.stack.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      namespace,
      image: "python:3.12-slim",
      command: [
        "python3",
        "-u",
        "-c",
        `import time\nfor i in range(${steps}):\n    print(f'dashboard step {i}', flush=True)\n    time.sleep(${seconds})\nprint('dashboard done')`,
      ],
    }),
  });
  const body = (await res.json()) as { job?: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.job!.id;
}

describe("the dashboard in headless Chromium", () => {
  it("shows a submitted job on the jobs page until SUCCEEDED, and its timeline and following logs on its page", async () => {
    const id = await submitJob();
    const slow = await submitJob("default", 12, 1);
    const started = performance.now();
    const page = await signIn(local.stack.token);
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: id }) });
    await row.waitFor();
    console.log(`dashboard: jobs page interactive ${Math.round(performance.now() - started)} ms after navigation`);
    // No reload: the page refreshes itself while a job on it is active.
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain("SUCCEEDED");
    await checkPage(page, "jobs");

    await page.getByRole("link", { name: id }).click();
    await expect.poll(() => page.locator("#logs").textContent(), { timeout: 20_000 }).toContain("dashboard done");
    const timeline = await page.getByRole("list", { name: "State timeline" }).textContent();
    expect(timeline).toContain("RUNNING");
    expect(timeline).toContain("SUCCEEDED");
    await checkPage(page, "job");

    // A running job's logs follow: first part of the output, later the rest, on the same page.
    await page.goto(`${local.stack.apiUrl}/ui/#/jobs/default/${slow}`);
    const logs = page.locator("#logs");
    await expect
      .poll(
        async () => {
          const text = (await logs.textContent()) ?? "";
          return text.includes("dashboard step") && !text.includes("dashboard done");
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    // A backend error while it runs (the logs route failing, injected in the browser's network): a message, and the
    // last logs stay on screen; once the route answers again the page carries on by itself.
    const failing = `**/jobs/${slow}/logs?**`;
    await page.route(failing, (r) =>
      r.fulfill({ status: 503, json: { error: { code: "unavailable", message: "backend is down (injected)" } } }),
    );
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 10_000 }).toContain("backend is down");
    expect(await logs.textContent()).toContain("dashboard step");
    await page.unroute(failing);
    await expect.poll(() => logs.textContent(), { timeout: 30_000 }).toContain("dashboard done");
    expect(await page.locator("#status").isHidden()).toBe(true);
    await expect.poll(() => page.locator(".summary").textContent(), { timeout: 30_000 }).toContain("SUCCEEDED");
  });

  it("plots one point per trial of the example study with its best-so-far line, and names the best trial", async () => {
    const status = await runStudyExample({
      repoRoot: REPO_ROOT,
      apiUrl: local.stack.apiUrl,
      token: local.stack.token,
      target: "local",
      say: () => {},
    });
    expect(status.state, local.problems()).toBe("SUCCEEDED");
    const page = await signIn(local.stack.token, "#/studies");
    const studyLink = page.getByRole("link", { name: status.id });
    await studyLink.waitFor();
    await checkPage(page, "studies");

    await studyLink.click();
    const chart = page.locator("#study-chart");
    await expect.poll(() => chart.getAttribute("data-points"), { timeout: 10_000 }).toBe(String(status.created));
    expect(await chart.locator("canvas").count()).toBe(1);
    expect(await page.locator("#chart-caption").textContent()).toContain(`best: trial ${status.best!.trialId}`);
    expect(await page.locator("#trials tbody tr").count()).toBe(status.created);
    // Sorting by objective puts the best trial first.
    await page.getByRole("button", { name: "Objective" }).click();
    expect(await page.locator("#trials tbody tr").first().textContent()).toContain(status.best!.trialId);
    await checkPage(page, "study");

    // Each trial links to its job.
    await page.getByRole("link", { name: status.best!.trialId }).click();
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toContain(`Job ${status.best!.trialId}`);
  });

  it("shows a caller none of the jobs of a namespace it has no rights to", async () => {
    const id = await submitJob("default");
    const page = await signIn(VIEWER_TOKEN, "#/jobs?namespace=default");
    await expect.poll(() => page.locator("#status").textContent()).toContain("not one the submitter may use");
    expect(await page.getByRole("link", { name: id }).count()).toBe(0);
    // Its own namespace lists (nothing there), and the job's own page is a not-found.
    await page.goto(`${local.stack.apiUrl}/ui/#/jobs?namespace=team-b`);
    await page.getByText("No jobs match.").waitFor();
    await page.goto(`${local.stack.apiUrl}/ui/#/jobs/default/${id}`);
    await page.locator("#not-found").waitFor();
  });

  it("shows not-found for unknown ids, pages jobs by cursor, lists builds, and returns to sign-in on a bad token", async () => {
    const page = await signIn(local.stack.token, "#/jobs/default/no-such-job-0000");
    await page.locator("#not-found").waitFor();
    await checkPage(page, "not-found");
    await page.goto(`${local.stack.apiUrl}/ui/#/studies/default/no-such-study`);
    await page.locator("#not-found").waitFor();

    // Server-side pages: two jobs a page, Older then Newer through the list route's cursor.
    await page.goto(`${local.stack.apiUrl}/ui/#/jobs?namespace=default&limit=2`);
    const jobLinks = () => page.locator("tbody a").allTextContents();
    await page.getByText("2 jobs, newest first").waitFor();
    const first = await jobLinks();
    await page.getByRole("link", { name: "Older" }).click();
    // The next page's two jobs are older ones (and the table is empty while it loads: wait for two).
    await expect
      .poll(async () => {
        const links = await jobLinks();
        return links.length === 2 && links.every((id) => !first.includes(id));
      })
      .toBe(true);
    await page.getByRole("link", { name: "Newer" }).click();
    await expect.poll(jobLinks).toEqual(first);

    await page.goto(`${local.stack.apiUrl}/ui/#/builds`);
    await page.getByRole("heading", { name: "Builds" }).waitFor();
    await page.locator(".page:not([aria-busy])").waitFor();
    await checkPage(page, "builds");

    const stranger = await signIn("not-a-token");
    await stranger.getByRole("alert").filter({ hasText: "Signed out" }).waitFor();
    expect(await stranger.getByLabel("API token").isVisible()).toBe(true);
    await checkPage(stranger, "sign-in");
  });
});
