/**
 * The dashboard behind `kinetic dashboard`'s proxy (cli/commands/dashboard-proxy.ts), in headless Chromium
 * (dashboard-support.ts): the proxy fronts the local stack's API with the local token as its token source
 * (Google credentials are what cannot run here), and the browser opens the proxy's URL with no sign-in.
 * Through it: logs stream while a job runs (one request, growing) and survive a reconnect without repeated
 * lines, a finished job's outputs are listed and download, and the accelerator filter narrows the list.
 */
import { readFile } from "node:fs/promises";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboardProxy, type DashboardProxy } from "../../cli/commands/dashboard-proxy.ts";
import { chromium } from "../../scripts/lib/chromium.ts";
import { useDashboard } from "./dashboard-support.ts";

const { local, checkPage } = useDashboard("dashboard-live");

let proxy: DashboardProxy | undefined;
let browser: Browser | undefined;
beforeAll(async () => {
  proxy = await startDashboardProxy({ target: local.stack.apiUrl, token: async () => local.stack.token });
  const { executablePath, env } = chromium();
  browser = await playwright.launch({ executablePath, env, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
});

/** A fresh browser context at the URL `kinetic dashboard` prints, then at the hash: no token anywhere. */
async function openProxied(hash = "#/jobs", before?: (page: Page) => void): Promise<Page> {
  // axe is injected as an inline script, which the page's CSP forbids: the test context bypasses it.
  const context = await browser!.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  before?.(page);
  await page.goto(`${proxy!.openUrl}${hash}`);
  return page;
}

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${local.stack.apiUrl}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${local.stack.token}`, "content-type": "application/json" },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

/** Submits a python job (namespace default) and returns its id. */
async function submit(script: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api("/jobs", {
    method: "POST",
    body: { namespace: "default", image: "python:3.12-slim", command: ["python3", "-u", "-c", script], ...extra },
  });
  const body = (await res.json()) as { job?: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.job!.id;
}

const steps = (n: number, seconds: number) =>
  `import time\nfor i in range(${n}):\n    print(f'live step {i}', flush=True)\n    time.sleep(${seconds})\nprint('live done')`;

async function jobState(id: string): Promise<string> {
  return ((await (await api(`/jobs/${id}?namespace=default`)).json()) as { job: { state: string } }).job.state;
}

describe("the dashboard through kinetic dashboard's proxy", () => {
  it("shows the jobs without a sign-in step (and no sign-out), signed by the proxy", async () => {
    const id = await submit("print('hello from the proxy')");
    const page = await openProxied();
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: id }) });
    await row.waitFor();
    expect(await page.getByLabel("API token").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sign out" }).isHidden()).toBe(true);
    // The session key left the address bar; the page's origin is the proxy.
    expect(page.url()).toBe(`${proxy!.origin}/ui/#/jobs`);
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain("SUCCEEDED");
    await checkPage(page, "jobs-proxied");
  });

  it("streams a running job's logs: one request, lines appearing as they are printed", async () => {
    const id = await submit(steps(8, 1));
    await expect.poll(() => jobState(id), { timeout: 60_000 }).toBe("RUNNING");
    const logRequests: string[] = [];
    // Listening from before the page loads: its first request may leave before goto returns.
    const page = await openProxied(`#/jobs/default/${id}`, (p) =>
      p.on("request", (r) => {
        if (r.url().includes(`/jobs/${id}/logs`)) logRequests.push(r.url());
      }),
    );
    const logs = page.locator("#logs");
    // Distinct contents seen while it runs: the view grows in place.
    const seen = new Set<string>();
    // Counted when the last step shows: the job still has a second to run then (afterwards a final read may follow).
    let requestsWhileRunning: string[] | undefined;
    await expect
      .poll(
        async () => {
          const text = (await logs.textContent()) ?? "";
          if (text.includes("live step")) seen.add(text);
          if (text.includes("live step 7") && !requestsWhileRunning) requestsWhileRunning = [...logRequests];
          return text.includes("live done");
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(true);
    const growing = [...seen].filter((t) => !t.includes("live done"));
    expect(growing.length, [...seen].join("\n---\n")).toBeGreaterThanOrEqual(3);
    // Polling would have asked every 2 s; the stream asked once while the job printed everything.
    expect(requestsWhileRunning).toHaveLength(1);
    expect(requestsWhileRunning![0]).toContain("follow=true");
    const text = (await logs.textContent())!;
    for (let i = 0; i < 8; i++) expect(text.split(`live step ${i}\n`)).toHaveLength(2);
    await expect.poll(() => page.locator(".summary").textContent(), { timeout: 30_000 }).toContain("SUCCEEDED");
  });

  it("reconnects when the stream ends while the job runs: a failing reconnect shows a message and keeps the lines, no line repeats", async () => {
    const id = await submit(steps(10, 1));
    await expect.poll(() => jobState(id), { timeout: 60_000 }).toBe("RUNNING");
    const page = await openProxied(`#/jobs/default/${id}`);
    const logs = page.locator("#logs");
    await expect.poll(() => logs.textContent(), { timeout: 30_000 }).toContain("live step 2");
    // The logs route fails from now on (injected in the browser's network), and the stream ends under the page:
    // the job is preempted (local mode acts out a spot reclaim), its next attempt starts from scratch.
    const failing = `**/jobs/${id}/logs?**`;
    await page.route(failing, (r) =>
      r.fulfill({ status: 503, json: { error: { code: "unavailable", message: "logs are down (injected)" } } }),
    );
    const preempted = await api(`/jobs/${id}/preempt?namespace=default`, { method: "POST" });
    expect(preempted.status, await preempted.text()).toBe(202);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 20_000 }).toContain("logs are down");
    expect(await logs.textContent()).toContain("live step 2");
    await page.unroute(failing);
    await expect.poll(() => logs.textContent(), { timeout: 60_000 }).toContain("live done");
    await expect.poll(() => page.locator("#status").isHidden(), { timeout: 10_000 }).toBe(true);
    // The reconnect replaced the view with the new attempt's log: each line once.
    const text = (await logs.textContent())!;
    for (let i = 0; i < 10; i++) expect(text.split(`live step ${i}\n`), text).toHaveLength(2);
    await expect.poll(() => page.locator(".summary").textContent(), { timeout: 30_000 }).toContain("SUCCEEDED");
  });

  it("lists a finished job's outputs with their sizes, downloads one, and passes the accessibility check", async () => {
    const id = await submit(
      [
        "import os",
        "d = os.environ['KINETIC_OUTPUT_DIR']",
        "os.makedirs(os.path.join(d, 'ckpt'), exist_ok=True)",
        "open(os.path.join(d, 'metrics.json'), 'w').write('{\"loss\": 0.25}')",
        "open(os.path.join(d, 'ckpt', 'model.bin'), 'wb').write(b'x' * 3072)",
        "print('wrote outputs')",
      ].join("\n"),
    );
    await expect.poll(() => jobState(id), { timeout: 60_000 }).toBe("SUCCEEDED");
    const page = await openProxied(`#/jobs/default/${id}`);
    const outputs = page.locator("#outputs");
    await outputs.getByRole("button", { name: "metrics.json" }).waitFor();
    const rows = await outputs.locator("tbody tr").allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.includes("ckpt/model.bin"))).toContain("3.0 KiB");
    expect(rows.find((r) => r.includes("metrics.json"))).toContain("14 B");
    await expect.poll(() => page.locator("#logs").textContent()).toContain("wrote outputs");

    const download = page.waitForEvent("download");
    await outputs.getByRole("button", { name: "metrics.json" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("metrics.json");
    expect(await readFile((await file.path())!, "utf8")).toBe('{"loss": 0.25}');
    await checkPage(page, "job-outputs");
  });

  it("narrows the jobs list by accelerator, kept in the URL, with cursor paging", async () => {
    const gpu = [await submit("print('on an L4')", { accelerator: "nvidia-l4" })];
    gpu.push(await submit("print('on another L4')", { accelerator: "nvidia-l4:1" }));
    const cpu = await submit("print('on a CPU')");
    const page = await openProxied("#/jobs?namespace=default");
    await page.getByRole("link", { name: cpu }).waitFor();

    await page.getByLabel("Accelerator").fill("nvidia-l4");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.url()).toContain("accelerator=nvidia-l4");
    const links = () => page.locator("tbody a").allTextContents();
    await expect.poll(async () => (await links()).sort()).toEqual([...gpu].sort());
    expect(await page.locator("tbody").textContent()).not.toContain("cpu");

    // One per page: Older reaches the other L4 job, the filter stays.
    await page.goto(`${proxy!.origin}/ui/#/jobs?namespace=default&accelerator=nvidia-l4&limit=1`);
    await expect.poll(links).toEqual([gpu[1]]);
    await page.getByRole("link", { name: "Older" }).click();
    await expect.poll(links).toEqual([gpu[0]]);
    expect(page.url()).toContain("accelerator=nvidia-l4");
    expect(await page.getByRole("link", { name: "Older" }).count()).toBe(0);

    // The API refuses what is not an accelerator name, naming the field.
    const bad = await api("/jobs?namespace=default&accelerator=NVIDIA%20L4");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("accelerator");
  });
});
