/**
 * The study page's parallel coordinates and parameter importance in headless Chromium (dashboard-support.ts),
 * on the example study run through the local stack as `npm start` users run it, and on a finished study seeded into
 * the stack's Firestore with enough trials for the importance ranking.
 */
import { Firestore } from "@google-cloud/firestore";
import { describe, expect, it } from "vitest";
import { seedStudy } from "../../scripts/lib/seed-study.ts";
import { MIN_IMPORTANCE_TRIALS } from "../../shared/studies/importance.ts";
import { useDashboard } from "./dashboard-support.ts";

const { local, signIn, checkPage, runExampleStudy } = useDashboard("dashboard-study");

describe("the study page's parallel coordinates and parameter importance", () => {
  it("draws one line per completed trial of the example study, highlights the best, and explains importance", async () => {
    const status = await runExampleStudy();
    const completed = status.counts.succeeded;
    expect(completed).toBeGreaterThan(0);

    const page = await signIn(local.stack.token, `#/studies/${status.namespace}/${status.id}`);
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

  it("lists parameter importance, most important first, for a study with enough completed trials, and pages its table", async () => {
    // A finished 120-trial study seeded into the stack's Firestore: the loss follows lr alone.
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
    });
    const page = await signIn(local.stack.token, `#/studies/default/${id}`);
    const list = page.getByRole("list", { name: "Parameter importance, most important first" });
    await list.waitFor({ timeout: 15_000 });
    const items = await list.getByRole("listitem").allTextContents();
    expect(items).toHaveLength(3);
    expect(items[0]).toMatch(/^lr\s*\d+ %/);
    expect(await page.locator("#parallel-coords").getAttribute("data-lines")).toBe("120");
    expect(await page.locator("#parallel-coords path.pc-best").getAttribute("data-trial")).toBe(bestTrialId);
    expect(await page.locator("#parallel-caption").textContent()).toContain("optimizer (categories)");
    // A long study's table shows its first 100 rows until asked for all.
    const rows = page.locator("#trials tbody tr");
    expect(await rows.count()).toBe(100);
    expect(await page.locator("#trials caption").textContent()).toContain("120 trials, first 100 shown");
    await checkPage(page, "study-importance");
    await page.getByRole("button", { name: "Show all 120 trials" }).click();
    await expect.poll(() => rows.count()).toBe(120);
  });
});
