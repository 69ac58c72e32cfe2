/**
 * The study page's learning curves, "Needs attention", parallel coordinates and parameter importance in headless
 * Chromium (dashboard-support.ts), on the example study run through the local stack as `npm start` users run it,
 * and on a finished study seeded into the stack's Firestore with enough trials for the importance ranking and the
 * curves' cap, and with a failed, an early-stopped and a metrics-less trial.
 */
import { Firestore } from "@google-cloud/firestore";
import { describe, expect, it } from "vitest";
import { seedStudy } from "../../scripts/lib/seed-study.ts";
import { MIN_IMPORTANCE_TRIALS } from "../../shared/studies/importance.ts";
import { trialJobId } from "../../shared/tuning/substitute.ts";
import { useDashboard } from "./dashboard-support.ts";

const { local, signIn, checkPage, runExampleStudy } = useDashboard("dashboard-study");
// The seeded study's trials that did not succeed (among its latest 20, so their curves are drawn).
const [FAILED, STOPPED, NO_METRICS] = [110, 115, 118];

describe("the study page's learning curves, needs-attention list, parallel coordinates and parameter importance", () => {
  it("draws one line per completed trial of the example study, highlights the best, and explains importance", async () => {
    const status = await runExampleStudy();
    const completed = status.counts.succeeded;
    expect(completed).toBeGreaterThan(0);
    // The example prints `epoch=N loss=…` per epoch: each finished trial's record holds its loss series.
    const res = await fetch(
      `${local.stack.apiUrl}/studies/${status.id}/trials?namespace=${encodeURIComponent(status.namespace)}`,
      { headers: { authorization: `Bearer ${local.stack.token}` } },
    );
    const { trials } = (await res.json()) as { trials: { id: string; series?: { loss?: unknown[] } }[] };
    const withSeries = trials.filter((t) => (t.series?.loss?.length ?? 0) > 0).map((t) => t.id);
    expect(withSeries.length).toBeGreaterThanOrEqual(completed);

    const page = await signIn(local.stack.token, `#/studies/${status.namespace}/${status.id}`);
    // One learning curve per trial with a series (all fit under the cap), the best one drawn last and styled as best.
    const curves = page.locator("#learning-curves");
    await expect.poll(() => curves.getAttribute("data-curves"), { timeout: 15_000 }).toBe(String(withSeries.length));
    expect(((await curves.getAttribute("data-trials")) ?? "").split(" ").sort()).toEqual([...withSeries].sort());
    expect((await curves.getAttribute("data-trials"))!.split(" ").at(-1)).toBe(status.best!.trialId);
    expect((await curves.getAttribute("data-styles"))!.split(" ").at(-1)).toBe("best");
    expect(await curves.locator("canvas").count()).toBeGreaterThan(0);
    expect(
      await page
        .getByRole("img", { name: `Learning curves: loss against step for ${withSeries.length} trials` })
        .count(),
    ).toBe(1);
    const curvesCaption = (await page.locator("#curves-caption").textContent()) ?? "";
    expect(curvesCaption).toContain(
      `loss against step for ${withSeries.length} trials (every trial with reported steps)`,
    );
    expect(curvesCaption).toContain(`Best trial ${status.best!.trialId} (thick orange)`);
    const chart = page.locator("#parallel-coords");
    await expect.poll(() => chart.getAttribute("data-lines"), { timeout: 15_000 }).toBe(String(completed));
    // One path per completed trial (the best one also has a white outline without a trial id).
    expect(await chart.locator("path[data-trial]").count()).toBe(completed);
    expect(await chart.locator("path.pc-best").getAttribute("data-trial")).toBe(status.best!.trialId);
    // Labelled for assistive technology, with the whole picture in words as the figure's caption.
    expect(await page.getByRole("img", { name: `Parallel coordinates of ${completed} completed trials` }).count()).toBe(
      1,
    );
    const caption = (await page.locator("#parallel-caption").textContent()) ?? "";
    expect(caption).toContain(`${completed} completed trials over lr (log scale), momentum (linear) and loss`);
    expect(caption).toContain(`Best trial ${status.best!.trialId} (highlighted)`);
    // The axes are the example's space: lr on a log scale, momentum linear, then the objective
    const titles = await chart.locator("svg text[font-weight]").allTextContents();
    // (the loss is drawn on a log scale when the trials' losses span two decades or more).
    expect(titles.slice(0, 2)).toEqual(["lr (log)", "momentum"]);
    expect(titles[2]).toMatch(/^loss \(min(, log)?\)$/);

    // Importance: the example has fewer completed trials than the method needs, so the page says so and names it.
    const section = page.getByRole("region", { name: "Parameter importance" });
    await section.waitFor();
    expect(completed).toBeLessThan(MIN_IMPORTANCE_TRIALS);
    expect(await section.locator("#importance-note").textContent()).toContain(
      `needs at least ${MIN_IMPORTANCE_TRIALS} completed trials; this study has ${completed}`,
    );
    expect(await section.textContent()).toContain("Method: main-effect variance share");
    await checkPage(page, "study-parallel");
  });

  it("lists parameter importance, caps the learning curves, marks early-stopped and failed trials and pages its table", async () => {
    // A finished 120-trial study seeded into the stack's Firestore: the loss follows lr alone; among the latest
    // trials one failed, one was stopped early by the median rule, and one reported no metrics.
    const id = `seeded-study-${Date.now().toString(36)}`;
    const optimizers = ["adam", "sgd", "rmsprop"];
    const { bestTrialId } = await seedStudy(new Firestore({ projectId: local.stack.options.project }), {
      namespace: "default",
      id,
      trials: 120,
      hyperparameters: {
        lr: { type: "double", min: 1e-4, max: 1, log: true },
        momentum: { type: "double", min: 0, max: 0.9 },
        optimizer: { type: "categorical", values: optimizers },
      },
      params: (k) => ({
        lr: 10 ** (-4 + ((k * 7) % 40) / 10),
        momentum: ((k * 13) % 40) / 44,
        optimizer: optimizers[k % 3]!,
      }),
      objective: (p) => (Math.log10(p.lr as number) + 2) ** 2,
      outcome: (k) =>
        k === FAILED
          ? { state: "FAILED", reason: "JobFailed", message: "job FAILED: OOMKilled", step: 4 }
          : k === STOPPED
            ? { state: "EARLY_STOPPED", reason: "MedianStop", message: "loss 2.5 is worse than the median", step: 3 }
            : k === NO_METRICS
              ? { state: "METRICS_UNAVAILABLE", reason: "MetricsUnavailable", message: "no finite loss value" }
              : undefined,
    });
    const [failedId, stoppedId, noMetricsId] = [FAILED, STOPPED, NO_METRICS].map((k) => String(trialJobId(id, k))) as [
      string,
      string,
      string,
    ];
    const page = await signIn(local.stack.token, `#/studies/default/${id}`);
    const list = page.getByRole("list", { name: "Parameter importance, most important first" });
    await list.waitFor({ timeout: 15_000 });
    const items = await list.getByRole("listitem").allTextContents();
    expect(items).toHaveLength(3);
    expect(items[0]).toMatch(/^lr\s*\d+ %/);
    expect(await page.locator("#parallel-coords").getAttribute("data-lines")).toBe("117");
    expect(await page.locator("#parallel-coords path.pc-best").getAttribute("data-trial")).toBe(bestTrialId);
    expect(await page.locator("#parallel-caption").textContent()).toContain("optimizer (categories)");

    // Learning curves: 119 trials have points (not the metrics-less one); the best 20 and the latest 20 are drawn.
    const curves = page.locator("#learning-curves");
    expect(await curves.getAttribute("data-curves")).toBe("40");
    const drawn = (await curves.getAttribute("data-trials"))!.split(" ");
    const styles = (await curves.getAttribute("data-styles"))!.split(" ");
    expect(styles[drawn.indexOf(stoppedId)]).toBe("stopped");
    expect(styles[drawn.indexOf(failedId)]).toBe("failed");
    expect(drawn).not.toContain(noMetricsId);
    expect(drawn.at(-1)).toBe(bestTrialId);
    const curvesCaption = (await page.locator("#curves-caption").textContent()) ?? "";
    expect(curvesCaption).toContain(
      "loss against step for 40 of 119 trials with reported steps: the best 20 completed, 0 running and the latest 20 others.",
    );
    expect(curvesCaption).toContain(`Stopped early by the median rule (grey, dashed): ${stoppedId} (to step 3).`);
    expect(curvesCaption).toContain(`Failed or without a result (red, dotted): ${failedId} (to step 4).`);
    // The key under the plot names the line styles drawn.
    expect(await page.locator("#curves-key").textContent()).toBe("best trial completed stopped early failed ");

    // Needs attention: the failed and the metrics-less trial, newest first, with their reasons and their jobs' logs;
    // the early-stopped one apart, also linked.
    const attention = page.getByRole("region", { name: "Needs attention" });
    expect(await attention.locator("#attention-summary").textContent()).toBe(
      "2 trials ended without a result, newest first:",
    );
    const problems = attention.getByRole("list", { name: "Trials that ended without a result" }).getByRole("listitem");
    expect(await problems.allTextContents()).toEqual([
      expect.stringContaining(`trial ${NO_METRICS} MetricsUnavailable: no finite loss value`),
      expect.stringContaining(`trial ${FAILED} JobFailed: job FAILED: OOMKilled`),
    ]);
    expect(
      await problems
        .nth(1)
        .getByRole("link", { name: `logs of job ${failedId}` })
        .getAttribute("href"),
    ).toBe(`#/jobs/default/${failedId}`);
    const stopped = attention.getByRole("list", { name: "Trials stopped early" }).getByRole("listitem");
    expect(await stopped.count()).toBe(1);
    expect(await stopped.getByRole("link", { name: `logs of job ${stoppedId}` }).getAttribute("href")).toBe(
      `#/jobs/default/${stoppedId}`,
    );
    // A long study's table shows its first 100 rows until asked for all.
    const rows = page.locator("#trials tbody tr");
    expect(await rows.count()).toBe(100);
    expect(await page.locator("#trials caption").textContent()).toContain("120 trials, first 100 shown");
    await checkPage(page, "study-importance");
    await page.getByRole("button", { name: "Show all 120 trials" }).click();
    await expect.poll(() => rows.count()).toBe(120);
    // The reason column, with the whole message as the cell's tooltip.
    const failedRow = rows.filter({ has: page.getByRole("link", { name: failedId, exact: true }) });
    const reason = failedRow.getByRole("cell", { name: "JobFailed", exact: true });
    expect(await reason.getAttribute("title")).toBe("JobFailed: job FAILED: OOMKilled");
  });

  it("grows a running trial's curve as it pushes steps, while the page refreshes itself", async () => {
    // A running study: trial 0 finished, trial 1 has pushed 3 steps, trial 2 has pushed nothing yet (not drawn).
    const id = `running-study-${Date.now().toString(36)}`;
    await seedStudy(new Firestore({ projectId: local.stack.options.project }), {
      namespace: "default",
      id,
      trials: 3,
      hyperparameters: { lr: { type: "double", min: 1e-4, max: 1, log: true } },
      params: (k) => ({ lr: 10 ** -(k + 1) }),
      objective: (p) => p.lr as number,
      outcome: (k) =>
        k === 1
          ? { state: "PENDING", reason: "JobSubmitted", message: "", step: 3 }
          : k === 2
            ? { state: "PENDING", reason: "JobSubmitted", message: "", step: 0 }
            : undefined,
    });
    const running = trialJobId(id, 1);
    const page = await signIn(local.stack.token, `#/studies/default/${id}`);
    const curves = page.locator("#learning-curves");
    await expect.poll(() => curves.getAttribute("data-curves"), { timeout: 15_000 }).toBe("2");
    expect(await curves.getAttribute("data-styles")).toBe("running best");
    const caption = page.locator("#curves-caption");
    expect(await caption.textContent()).toContain(`Running, still growing (green): ${running} (to step 3).`);
    // The trainer pushes step 4 through the API, as a training script does; the next refresh draws it.
    const res = await fetch(`${local.stack.apiUrl}/studies/${id}/trials/${running}/metrics?namespace=default`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.stack.token}`, "content-type": "application/json" },
      body: JSON.stringify({ step: 4, metrics: { loss: 0.05 } }),
    });
    expect(res.status, await res.text()).toBe(200);
    await expect
      .poll(() => caption.textContent(), { timeout: 15_000 })
      .toContain(`Running, still growing (green): ${running} (to step 4).`);
    await checkPage(page, "study-running");
  });
});
