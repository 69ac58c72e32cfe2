/**
 * Search quality: Kinetic's default model-based algorithm
 * (bayesianoptimization: a Gaussian process with expected improvement),
 * Kinetic's random search, and Optuna's TPESampler (v4.9.0 defaults, and
 * with multivariate + constant_liar as Optuna 5.0 defaults it; from PyPI in
 * a virtual environment the bench creates under
 * ~/.cache/kinetic-bench/optuna-venv) on Branin, six-hump camel and
 * Rosenbrock-2, 10 seeds each, sequentially and in batches of 4 parallel
 * trials (ask 4, then tell 4). Prints the median trials to Branin's 5 % band
 * and the median best-after-16/50, side by side, then the goals, then random
 * search against the reference's tables (the harness check).
 *
 * Then the fan-out (bench/tuning/fanout.ts): a 1,000-trial study with
 * parallelTrials 1,000 on the emulator and the testbed, beside its floor.
 *
 * Run: npm run bench -- tuning   (exit 1 when a goal or a harness row fails)
 * KINETIC_BENCH_TUNING=search or =fanout runs one part.
 */
import { performance } from "node:perf_hooks";
import type { Algorithm } from "../shared/tuning/algorithms.ts";
import { fanoutBench, printFanout } from "./tuning/fanout.ts";
import { BRANIN_BAND, OBJECTIVES } from "./tuning/functions.ts";
import { ensureOptuna, OPTUNA_VERSION, runOptuna, type OptunaRun, type OptunaSampler } from "./tuning/optuna.ts";
import { checkRandomHarness } from "./tuning/reference.ts";
import { runSearch } from "./tuning/runner.ts";
import { bestAfter, fmt, median, trialsToReach } from "./tuning/stats.ts";

const SEEDS = Number(process.env.KINETIC_BENCH_SEEDS ?? 10);
const MODES = [1, 4];
/** Trials run per function (Branin goes on to the band, up to the cap). */
const TRIALS = 50;
const CAP = { bo: 150, random: 20_000, optuna: 300 };
const SAMPLERS: OptunaSampler[] = ["tpe", "tpe-mv-cl"];
const HARNESS_REPS = Number(process.env.KINETIC_BENCH_HARNESS_REPS ?? 1000);

type Figures = { b16: number; b50: number; band: number };
const started = performance.now();
const log = (line: string) => console.log(line);
const PARTS = (process.env.KINETIC_BENCH_TUNING ?? "search,fanout").split(",");
if (!PARTS.includes("search")) {
  const f = await fanoutBench(log);
  printFanout(f, log);
  process.exit(f.passed ? 0 : 1);
}

function figures(runs: number[][], isBranin: boolean): Figures {
  return {
    b16: median(runs.map((v) => bestAfter(v, 16))),
    b50: median(runs.map((v) => bestAfter(v, 50))),
    band: isBranin ? median(runs.map((v) => trialsToReach(v, BRANIN_BAND))) : NaN,
  };
}

ensureOptuna(log);
const optunaRuns: OptunaRun[] = [];
for (const sampler of SAMPLERS)
  for (const o of OBJECTIVES)
    for (const parallel of MODES)
      for (let seed = 0; seed < SEEDS; seed++)
        optunaRuns.push({
          sampler,
          function: o.name,
          seed,
          parallel,
          trials: o.name === "Branin" ? CAP.optuna : TRIALS,
        });
// Optuna runs in its own process while Kinetic's searchers run here.
const optunaDone = runOptuna(optunaRuns);

const table = new Map<string, Record<string, Figures>>();
const timing: Record<string, number> = {};
for (const o of OBJECTIVES)
  for (const parallel of MODES) {
    const row: Record<string, Figures> = {};
    for (const [label, algorithm, cap] of [
      ["bo", "bayesianoptimization", CAP.bo],
      ["random", "random", CAP.random],
    ] as [string, Algorithm, number][]) {
      const t0 = performance.now();
      const runs = Array.from({ length: SEEDS }, (_, seed) =>
        runSearch(o, {
          algorithm,
          seed,
          parallel,
          trials: TRIALS,
          ...(o.name === "Branin" ? { untilBelow: BRANIN_BAND, cap } : {}),
        }),
      );
      timing[label] = (timing[label] ?? 0) + performance.now() - t0;
      row[label] = figures(runs, o.name === "Branin");
    }
    table.set(`${o.name}|${parallel}`, row);
  }
const t0 = performance.now();
const optuna = await optunaDone;
timing.optunaWait = performance.now() - t0;
for (const sampler of SAMPLERS)
  for (const o of OBJECTIVES)
    for (const parallel of MODES) {
      const runs = optuna
        .filter((r) => r.sampler === sampler && r.function === o.name && r.parallel === parallel)
        .map((r) => r.values);
      table.get(`${o.name}|${parallel}`)![sampler] = figures(runs, o.name === "Branin");
    }

const COLS: [string, string, number][] = [
  ["bo", "Kinetic BO (GP-EI)", CAP.bo],
  ["random", "Kinetic random", CAP.random],
  ["tpe", `Optuna ${OPTUNA_VERSION} TPE`, CAP.optuna],
  ["tpe-mv-cl", "Optuna TPE mv+liar", CAP.optuna],
];
log(`\nsearch quality: medians over ${SEEDS} seeds (minimisation; "band" = trials to Branin's 5 % band, f ≤ 0.4178)`);
log(`${"".padEnd(16)} ${"".padEnd(8)}${COLS.map(([, name]) => ` | ${name.padEnd(22)}`).join("")}`);
log(
  `${"function".padEnd(16)} ${"mode".padEnd(8)}${COLS.map(() => ` | ${"band".padStart(6)} ${"b16".padStart(7)} ${"b50".padStart(7)}`).join("")}`,
);
for (const o of OBJECTIVES)
  for (const parallel of MODES) {
    const row = table.get(`${o.name}|${parallel}`)!;
    const cells = COLS.map(([k, , cap]) => {
      const f = row[k]!;
      return ` | ${(o.name === "Branin" ? fmt(f.band, cap) : "").padStart(6)} ${fmt(f.b16).padStart(7)} ${fmt(f.b50).padStart(7)}`;
    });
    log(`${o.name.padEnd(16)} ${(parallel === 1 ? "seq" : `${parallel} par`).padEnd(8)}${cells.join("")}`);
  }

let failed = 0;
const goal = (ok: boolean, text: string) => {
  if (!ok) failed++;
  log(`${ok ? "PASS" : "FAIL"}  ${text}`);
};
log("\ngoals");
for (const parallel of MODES) {
  const band = table.get(`Branin|${parallel}`)!.bo!.band;
  goal(
    band <= 30,
    `Branin 5 % band in ≤ 30 trials median (${parallel === 1 ? "seq" : `${parallel} par`}): ${fmt(band, CAP.bo)}`,
  );
}
for (const o of OBJECTIVES)
  for (const parallel of MODES) {
    const row = table.get(`${o.name}|${parallel}`)!;
    goal(
      row.bo!.b50 < row.tpe!.b50,
      `${o.name} (${parallel === 1 ? "seq" : `${parallel} par`}): BO best-after-50 ${fmt(row.bo!.b50)} < Optuna TPE ${fmt(row.tpe!.b50)} (mv+liar ${fmt(row["tpe-mv-cl"]!.b50)})`,
    );
  }
log("");
failed += checkRandomHarness(HARNESS_REPS, log);
if (PARTS.includes("fanout")) {
  const f = await fanoutBench(log);
  printFanout(f, log);
  if (!f.passed) failed++;
}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
log(
  `\nrun time ${secs(performance.now() - started)} (Kinetic BO ${secs(timing.bo!)}, random ${secs(timing.random!)}, waited for Optuna ${secs(timing.optunaWait!)})`,
);
process.exit(failed ? 1 : 0);
