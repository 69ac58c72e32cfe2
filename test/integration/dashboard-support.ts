/**
 * The dashboard's browser harness, shared by its test files: the local stack (useLocalStack) started with a
 * second principal, "viewer", that may use only team-b (KINETIC_NAMESPACE_POLICY / KINETIC_API_TOKENS, read by
 * the stack at start), Debian's headless Chromium (testbed/chromium/build.sh) driven by playwright-core, signing
 * in with bearer tokens as a user would, axe-core on every page, and screenshots of each page in
 * <tmp>/kinetic-test-artifacts/dashboard/ (not committed).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { runStudyExample } from "../../scripts/examples/study-example.ts";
import { chromium } from "../../scripts/lib/chromium.ts";
import { useLocalStack, type LocalStackHandle } from "./local-stack-support.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
type StudyExampleStatus = Awaited<ReturnType<typeof runStudyExample>>;
export const ARTIFACTS = join(tmpdir(), "kinetic-test-artifacts", "dashboard");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface DashboardHarness {
  local: LocalStackHandle;
  /** The token of "viewer", who may use only team-b. */
  viewerToken: string;
  /** A fresh browser context (its own sessionStorage), signed in with the token, at the hash. */
  signIn(token: string, hash?: string): Promise<Page>;
  /** Keeps a full-page screenshot as `<name>.png` and asserts axe-core finds no serious or critical violation. */
  checkPage(page: Page, name: string): Promise<void>;
  /** Runs the example study (examples/tune) on the stack, as `npm start` does, and asserts it SUCCEEDED. */
  runExampleStudy(): Promise<StudyExampleStatus>;
  /** Submits a job printing `dashboard step i` `steps` times, `seconds` apart, then `dashboard done`; its id. */
  submitJob(namespace?: string, steps?: number, seconds?: number): Promise<string>;
}

/** Call at the top level of a test file: starts the stack and the browser before its tests, stops both after. */
export function useDashboard(name: string): DashboardHarness {
  const viewerToken = randomBytes(18).toString("base64url");
  // Read by LocalStack.start (the beforeAll below): the local operator sees everything, the viewer only team-b.
  const saved = { policy: process.env.KINETIC_NAMESPACE_POLICY, tokens: process.env.KINETIC_API_TOKENS };
  process.env.KINETIC_NAMESPACE_POLICY = JSON.stringify({ local: ["*"], viewer: ["team-b"] });
  process.env.KINETIC_API_TOKENS = `viewer=${viewerToken}`;
  const local = useLocalStack(name);

  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Throws, naming testbed/chromium/build.sh, when the browser is not built: never a skip.
    const { executablePath, env } = chromium();
    browser = await playwright.launch({ executablePath, env, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    for (const [k, v] of [
      ["KINETIC_NAMESPACE_POLICY", saved.policy],
      ["KINETIC_API_TOKENS", saved.tokens],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function signIn(token: string, hash = "#/jobs"): Promise<Page> {
    if (!browser) throw new Error("the browser is not started yet (use it inside a test)");
    // The page's CSP forbids inline scripts; axe is injected as one, so the test context bypasses it.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${local.stack.apiUrl}/ui/${hash}`);
    await page.getByLabel("API token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    return page;
  }

  async function checkPage(page: Page, pageName: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${pageName}.png`), fullPage: true });
    expect(await seriousViolations(page), `axe on the ${pageName} page`).toEqual([]);
  }

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

  async function runExampleStudy(): Promise<StudyExampleStatus> {
    const status = await runStudyExample({
      repoRoot: REPO_ROOT,
      apiUrl: local.stack.apiUrl,
      token: local.stack.token,
      target: "local",
      say: () => {},
    });
    expect(status.state, local.problems()).toBe("SUCCEEDED");
    return status;
  }

  return { local, viewerToken, signIn, checkPage, submitJob, runExampleStudy };
}

/** axe-core's serious and critical violations on the page, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
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
