/**
 * The dashboard in headless Chromium on the local stack (issue 18, point 3):
 *   (a) the jobs page with 10,000 jobs in the store: navigation → first rows
 *       rendered, beside its floor, the API's /jobs call in the same load;
 *   (b) a study with 1,000 trials: navigation → the objective chart with all
 *       1,000 points, the capped learning curves (dashboard/src/learning-curves.ts)
 *       and the parallel coordinates with all 1,000 lines drawn,
 *       beside its floor, the page's three /studies/… calls in the same load.
 * Records are seeded straight into Firestore (scripts/lib/seed-history.ts,
 * seed-study.ts). Each figure is the median of RUNS fresh loads after one
 * warm-up (the first request builds the page's bundle); goal < 1 s each.
 *
 * Run: npm run bench -- dashboard   (exit 1 when a goal fails)
 * KINETIC_BENCH_DASHBOARD_RUNS=N changes the number of loads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Firestore } from "@google-cloud/firestore";
import { chromium as playwright } from "playwright-core";
import { chromium } from "../scripts/lib/chromium.ts";
import { LocalStack } from "../scripts/lib/local-stack.ts";
import { seedHistory } from "../scripts/lib/seed-history.ts";
import { seedStudy } from "../scripts/lib/seed-study.ts";
import { createLogger } from "../shared/log.ts";
import { measureLoad, median, type Load } from "./dashboard-browser.ts";

const JOBS = 10_000;
const TRIALS = 1_000;
const RUNS = Number(process.env.KINETIC_BENCH_DASHBOARD_RUNS ?? 5);
const GOAL_MS = 1_000;
const NS = "default";
const STUDY = "bench-study";
const OPTIMIZERS = ["adam", "sgd", "rmsprop"];
// Every trial has a 10-step curve (seed-study.ts): the page draws the best 20 and the latest 20, not 1,000
// (CURVE_LIMITS in dashboard/src/learning-curves.ts; bench/ may not import dashboard/).
const CURVES = 40;

const dataDir = mkdtempSync(join(tmpdir(), "kinetic-bench-dashboard-"));
const stack = new LocalStack({
  dataDir,
  project: "kinetic-bench-dashboard",
  cluster: { kind: "local" },
  cronIntervalMs: 5_000,
  log: createLogger({}, () => {}),
  say: () => {},
});
let failed: boolean | undefined;
try {
  await stack.start();
  const db = new Firestore({ projectId: stack.options.project });
  let t0 = performance.now();
  const now = Date.now();
  await seedHistory(db, JOBS, (i) => ({
    id: `bench-job-${String(i).padStart(5, "0")}`,
    at: new Date(now - (JOBS - i) * 1_000).toISOString(),
    namespace: NS,
    state: i % 10 === 0 ? "FAILED" : "SUCCEEDED",
    expireAtMs: now + 86_400_000,
  }));
  console.log(`seeded ${JOBS} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  // A deterministic spread over a log-scaled, a linear and a categorical parameter (a low-discrepancy walk).
  await seedStudy(db, {
    namespace: NS,
    id: STUDY,
    trials: TRIALS,
    hyperparameters: {
      lr: { type: "double", min: 1e-5, max: 1, log: true },
      momentum: { type: "double", min: 0, max: 0.99 },
      optimizer: { type: "categorical", values: OPTIMIZERS },
      layers: { type: "integer", min: 1, max: 8 },
    },
    params: (k) => ({
      lr: 10 ** (-5 + 5 * ((k * 0.618034) % 1)),
      momentum: 0.99 * ((k * 0.754878) % 1),
      optimizer: OPTIMIZERS[k % 3]!,
      layers: 1 + (k % 8),
    }),
    objective: (p) =>
      (Math.log10(p.lr as number) + 2.5) ** 2 + (p.optimizer === "sgd" ? 0.8 : 0) + 0.05 * (p.layers as number),
  });
  console.log(`seeded a study with ${TRIALS} trials in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await db.terminate();

  const { executablePath, env } = chromium();
  const browser = await playwright.launch({ executablePath, env, args: ["--no-sandbox"] });
  try {
    const ui = `${stack.apiUrl}/ui/`;
    const jobs = () => measureLoad(browser, `${ui}#/jobs`, stack.token, { rows: "#jobs-body tbody tr" }, /^\/jobs$/);
    const study = () =>
      measureLoad(
        browser,
        `${ui}#/studies/${NS}/${STUDY}`,
        stack.token,
        {
          chart: `#study-chart[data-points="${TRIALS}"] canvas`,
          curves: `#learning-curves[data-curves="${CURVES}"] canvas`,
          parallel: `#parallel-coords[data-lines="${TRIALS}"] svg`,
        },
        /^\/studies\//,
      );
    // Warm-up: the first request to /ui/ builds the bundle (esbuild, in memory), and the API's first queries.
    await jobs();
    await study();
    const jobLoads: Load[] = [];
    const studyLoads: Load[] = [];
    for (let i = 0; i < RUNS; i++) {
      jobLoads.push(await jobs());
      studyLoads.push(await study());
    }
    // On a shared machine the figures move with its load: print it beside them.
    console.log(
      `\nload average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    console.log(`headless Chromium, ${RUNS} fresh loads each (median; ms from navigation start), goal < ${GOAL_MS} ms`);
    const failures = [
      report(`jobs page, first rows (${JOBS} jobs in the store)`, jobLoads, "rows", "/jobs call"),
      report(`study plot, ${TRIALS} points drawn`, studyLoads, "chart", "/studies calls"),
      report(`study learning curves, ${CURVES} of ${TRIALS} drawn`, studyLoads, "curves", "/studies calls"),
      report(`study parallel coordinates, ${TRIALS} lines drawn`, studyLoads, "parallel", "/studies calls"),
    ];
    failed = failures.some(Boolean);
    // Where the study page's time goes after its data arrives (the page's own marks, medians).
    const phase = (name: string) => median(studyLoads.map((l) => l.pageMarks[name] ?? NaN)).toFixed(0);
    console.log(
      `study page phases (ms from navigation): data ${phase("study:data")}, chart ${phase("study:chart")}, ` +
        `attention + learning curves ${phase("study:curves")}, ` +
        `parallel coordinates ${phase("study:parallel")}, importance + table ${phase("study:table")}`,
    );
  } finally {
    await browser.close();
  }
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/** One line per figure: the median, its floor and their ratio, what went before the API call, pass/fail. */
function report(label: string, loads: Load[], mark: string, floorName: string): boolean {
  const ms = median(loads.map((l) => l.marks[mark]!));
  const floor = median(loads.map((l) => l.floorMs));
  const assets = median(loads.map((l) => l.assetsMs));
  const all = loads.map((l) => Math.round(l.marks[mark]!)).join(", ");
  const pass = ms < GOAL_MS;
  console.log(
    `${label.padEnd(52)} ${ms.toFixed(0).padStart(5)} ms  floor (${floorName}) ${floor.toFixed(0).padStart(4)} ms  ` +
      `ratio ${(ms / floor).toFixed(2)}x  page+assets before the call ${assets.toFixed(0)} ms  [${all}]  ${pass ? "PASS" : "FAIL"}`,
  );
  return !pass;
}
