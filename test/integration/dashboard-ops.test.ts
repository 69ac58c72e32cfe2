/**
 * The dashboard's operations pages in a real browser (dashboard-support.ts): utilization with per-device numbers
 * from a real Prometheus scraping the fake DCGM exporter (utilization-support.ts) and the idle streak the local
 * stack's checkUtilization cron records, the operator config and a change made through PUT /admin/config in its
 * history, and a build's page with the log of a real crane build into the local registry. The viewer (team-b
 * only) sees no default-namespace utilization and gets "operators only" on the config page.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBaseImage } from "../../scripts/examples/build-example.ts";
import { buildsPaths } from "../../scripts/lib/oci-registry.ts";
import { useDashboard } from "./dashboard-support.ts";
import { startMetrics, type Metrics } from "./utilization-support.ts";

const MONITORING_ENV = [
  "KINETIC_RESOURCE_MONITORING_ENABLED",
  "KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT",
  "KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL",
] as const;
const saved = Object.fromEntries(MONITORING_ENV.map((k) => [k, process.env[k]]));
let metrics: Metrics;
// Before the stack starts (registered first, so it runs first): the stack's checkUtilization and the API read this
// Prometheus, scraping the fake exporter every second, with one-second samples.
beforeAll(async () => {
  metrics = await startMetrics();
  Object.assign(process.env, {
    KINETIC_RESOURCE_MONITORING_ENABLED: "true",
    KINETIC_RESOURCE_MONITORING_METRICS_ENDPOINT: metrics.prometheus.url,
    KINETIC_RESOURCE_MONITORING_POLLING_INTERVAL: "1s",
  });
}, 60_000);
afterAll(async () => {
  await metrics?.stop();
  for (const k of MONITORING_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const { local, viewerToken: VIEWER_TOKEN, signIn, checkPage } = useDashboard("dashboard-ops");

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${local.stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${local.stack.token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const MONITORING = {
  resourceMonitoring: { window: "6s", warmUp: "1s", lowUtilizationThreshold: 5, targetNamespaces: ["default"] },
};
const REASON = "dashboard-ops: six-second windows for the browser test";

/** Short utilization windows in default, through the API as an operator would (a no-op once set). */
async function setMonitoring(): Promise<void> {
  const { body: now } = await api<{ revision: number }>("GET", "/admin/config");
  const put = await api("PUT", "/admin/config", { config: MONITORING, revision: now.revision, reason: REASON });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}

interface JobView {
  id: string;
  state: string;
  workload?: { name: string };
}

/** An L4 job that sleeps; resolves once it runs, with its workload (its one pod is `<workload>-0` locally). */
async function runningGpuJob(namespace: string, gpus: number): Promise<{ id: string; pod: string }> {
  const { status, body } = await api<{ job: JobView }>("POST", "/jobs", {
    namespace,
    image: "python:3.12-slim",
    command: ["sleep", "600"],
    accelerator: "nvidia-l4",
    gpus,
  });
  expect(status, JSON.stringify(body)).toBe(201);
  const id = body.job.id;
  let job: JobView | undefined;
  await expect
    .poll(
      async () => {
        job = (await api<{ job: JobView }>("GET", `/jobs/${id}?namespace=${namespace}`)).body.job;
        return job.state;
      },
      { timeout: 60_000, interval: 500 },
    )
    .toBe("RUNNING");
  return { id, pod: `${job!.workload!.name}-0` };
}

describe("the dashboard's operations pages in headless Chromium", () => {
  it("shows the operator config and a change made through PUT /admin/config, pages its history; a tenant gets 'operators only'", async () => {
    await setMonitoring();
    const page = await signIn(local.stack.token, "#/config");
    const history = page.locator("#config-history");
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).toContain(REASON);
    const text = (await history.textContent()) ?? "";
    expect(text).toContain('resourceMonitoring.window: (default) → "6s"');
    expect(text).toContain("resourceMonitoring.lowUtilizationThreshold");
    const row = page.locator("#config-settings tr").filter({ hasText: "resourceMonitoring.window" });
    expect(await row.textContent()).toContain("set by an operator");
    expect(await page.locator("#config-summary").textContent()).toContain("changed by local");
    await checkPage(page, "config");

    // Twenty more changes: the history pages by revision (20 a page), the first change one page older.
    for (let i = 0; i < 20; i++) {
      const { body: now } = await api<{ revision: number }>("GET", "/admin/config");
      const config = { ...MONITORING, scheduling: { pendingThresholdForPreemption: `${6 + (i % 2)}m` } };
      const put = await api("PUT", "/admin/config", { config, revision: now.revision, reason: `paging ${i}` });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    await page.reload();
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).toContain("paging 19");
    const first = page.locator("#config-history tbody tr").first();
    expect(await first.textContent()).toMatch(/scheduling\.pendingThresholdForPreemption: "6m" → "7m"/);
    expect(await page.locator("#config-history tbody tr").count()).toBe(20);
    expect(await history.textContent()).not.toContain(REASON);
    await page.getByRole("link", { name: "Older" }).click();
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).toContain(REASON);
    expect(await page.locator("#config-history tbody tr").count()).toBe(1);
    expect(await page.getByRole("link", { name: "Older" }).count()).toBe(0);
    await page.getByRole("link", { name: "Newest" }).click();
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).toContain("paging 19");

    const viewer = await signIn(VIEWER_TOKEN, "#/config");
    await viewer.locator("#operators-only").waitFor();
    expect(await viewer.locator("#operators-only").textContent()).toContain("Operators only");
    expect(await viewer.locator("#status").isHidden()).toBe(true);
    expect(await viewer.locator("#config-history").count()).toBe(0);
    await checkPage(viewer, "config-viewer");
  });

  it("links a build from the builds page to its page, with its key, state, duration and log", async () => {
    const registry = local.stack.registry;
    if (!registry) throw new Error("image builds are off in the local stack: npm run testbed:build (registry, crane)");
    const base = `${registry}/kinetic/dashboard-base:py`;
    pushBaseImage(buildsPaths().bin("crane"), base);
    const dir = mkdtempSync(join(tmpdir(), "kinetic-dashboard-build-"));
    try {
      writeFileSync(join(dir, "train.py"), `print("dashboard build ${Date.now()}")\n`);
      const { status, body } = await api<{ build?: { id: string; key: string } }>("POST", "/builds", {
        namespace: "default",
        context: { kind: "dir", path: dir },
        baseImage: base,
        accelerator: "cpu",
      });
      expect(status, JSON.stringify(body)).toBe(200);
      const build = body.build!;
      const page = await signIn(local.stack.token, "#/builds?namespace=default");
      await page.getByRole("link", { name: build.id }).click();
      await page.getByRole("heading", { name: /^Build / }).waitFor();
      const summary = page.locator(".summary");
      // No reload: the page follows the build until it ends.
      await expect.poll(() => summary.textContent(), { timeout: 120_000 }).toContain("SUCCEEDED");
      expect(await summary.textContent()).toContain(build.key);
      expect(await summary.textContent()).toMatch(/Duration\s*[0-9]+ s/);
      const log = (await page.locator("#build-logs").textContent()) ?? "";
      expect(log).toContain("context layer: 1 file(s)");
      expect(log).toMatch(/pushed .*@sha256:[0-9a-f]{64}/);
      expect(await page.getByRole("list", { name: "Build timeline" }).textContent()).toContain("BUILDING");
      await checkPage(page, "build");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows per-device utilization from Prometheus and the idle streak; the viewer sees only team-b; metrics down keeps the jobs", async () => {
    await setMonitoring();
    const idle = await runningGpuJob("default", 2);
    const busy = await runningGpuJob("team-b", 1);
    // Both L4s of the default job below the 5 % threshold (idle), the team-b one busy and exported as a collector
    // that keeps the exporter's own pod labels shows it (exported_namespace/exported_pod).
    metrics.exporter.setGpuPod("default", idle.pod, [3, 4]);
    metrics.exporter.setGpuPod("team-b", busy.pod, [55], { exportedLabels: true });

    const page = await signIn(local.stack.token, "#/utilization");
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: idle.id }) });
    await row.waitFor({ timeout: 20_000 });
    // Real numbers from Prometheus, per device, and (once the cron has judged a full window) the idle streak.
    await expect
      .poll(() => row.textContent(), { timeout: 30_000 })
      .toMatch(/GPU 0.*now 3 %.*peak 3 %.*GPU 1.*now 4 %.*peak 4 %/);
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toMatch(/idle for [^(]+\(since/);
    expect(await row.locator("svg.spark").count()).toBe(2);
    expect(await row.locator("svg.spark").first().getAttribute("aria-label")).toMatch(
      /^GPU 0 over the window.*: .*3 %/,
    );
    const busyRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: busy.id }) });
    expect(await busyRow.textContent()).toMatch(/GPU 0.*now 55 %/);
    expect(await busyRow.textContent()).toContain("not judged (outside the check's scope)");
    expect(await page.locator("#utilization-settings").textContent()).toContain("below 5 %");
    await checkPage(page, "utilization");

    const viewer = await signIn(VIEWER_TOKEN, "#/utilization");
    const viewerBusy = viewer.getByRole("row").filter({ has: viewer.getByRole("link", { name: busy.id }) });
    await viewerBusy.waitFor({ timeout: 20_000 });
    expect(await viewer.locator("#utilization-jobs tbody tr").count()).toBe(1);
    expect(await viewer.locator("#utilization-jobs").textContent()).not.toContain("default");
    expect(await viewer.getByRole("link", { name: idle.id }).count()).toBe(0);
    await checkPage(viewer, "utilization-viewer");

    // The metrics endpoint goes away: the page says so and keeps the jobs and the streak.
    await metrics.prometheus.stop();
    await expect
      .poll(() => page.locator("#metrics-note").textContent(), { timeout: 20_000 })
      .toContain("Metrics unavailable");
    expect(await row.textContent()).toMatch(/idle for [^(]+\(since/);
    expect(await page.locator("#status").isHidden()).toBe(true);
  });
});
