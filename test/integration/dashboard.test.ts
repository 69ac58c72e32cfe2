/**
 * The dashboard in a real browser (dashboard-support.ts): jobs, a job with its timeline and following logs,
 * the example study's plot, the namespace policy, not-found, paging and sign-in.
 */
import { describe, expect, it } from "vitest";
import { useDashboard } from "./dashboard-support.ts";

const { local, viewerToken: VIEWER_TOKEN, signIn, checkPage, submitJob, runExampleStudy } = useDashboard("dashboard");

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
    // A backend error while it runs (the job's routes failing, injected in the browser's network): a message, and the
    // last logs stay on screen; once the routes answer again the page carries on by itself. (The open log stream is
    // not cut by this; a reconnect that fails is dashboard-live.test.ts's.)
    const failing = new RegExp(`/jobs/${slow}(/logs)?\\?`);
    await page.route(failing, (r) =>
      r.fulfill({ status: 503, json: { error: { code: "unavailable", message: "backend is down (injected)" } } }),
    );
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 10_000 }).toContain("backend is down");
    expect(await logs.textContent()).toContain("dashboard step");
    await page.unroute(failing);
    await expect.poll(() => logs.textContent(), { timeout: 30_000 }).toContain("dashboard done");
    // The stream may show the end before the next refresh of the job clears the message.
    await expect.poll(() => page.locator("#status").isHidden(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator(".summary").textContent(), { timeout: 30_000 }).toContain("SUCCEEDED");
  });

  it("plots one point per trial of the example study with its best-so-far line, and names the best trial", async () => {
    const status = await runExampleStudy();
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
