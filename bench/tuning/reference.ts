/**
 * The reference's random-search figures (shared/reference/tuning.md §9) and
 * the harness check against them: our random search must reproduce them, or
 * the bench's other figures mean nothing.
 */
import { createSearch } from "../../shared/tuning/search/search.ts";
import { BRANIN_BAND, OBJECTIVES, type Objective } from "./functions.ts";
import { bestAfter, fmt, quantile, trialsToReach } from "./stats.ts";

/** Random best-of-n: p10 / median / p90 over 2,000 repetitions. */
export const RANDOM_BEST_OF: Record<string, Record<number, [number, number, number]>> = {
  Branin: { 16: [0.73, 2.67, 8.6], 50: [0.51, 1.1, 2.76], 100: [0.45, 0.77, 1.6], 200: [0.42, 0.57, 0.98] },
  "Six-hump camel": {
    16: [-0.9, -0.22, 0.59],
    50: [-0.99, -0.73, -0.21],
    100: [-1.007, -0.88, -0.58],
    200: [-1.02, -0.96, -0.8],
  },
  "Rosenbrock-2": { 16: [4.8, 64, 554], 50: [1.7, 11.3, 70], 100: [0.74, 5.1, 21], 200: [0.38, 2.5, 9.0] },
};
/** Random's median trials to Branin's 5 % band (the reference says ±50 %). */
export const RANDOM_BAND_MEDIAN = 1830;

function randomValues(o: Objective, seed: number, trials: number, untilBelow?: number): number[] {
  const search = createSearch({ space: o.space, seed, algorithm: "random", objectiveType: "minimize" });
  const values: number[] = [];
  while (values.length < trials) {
    const s = search.ask()!;
    const v = o.f([s.params.x1 as number, s.params.x2 as number]);
    search.tell(s, v);
    values.push(v);
    if (untilBelow !== undefined && v <= untilBelow) break;
  }
  return values;
}

/**
 * Compares regret (value − optimum) quantiles: the median within 20 %, p10
 * and p90 within 35 % (plus 0.01 absolute, for regrets near zero).
 */
function within(measured: number, ref: number, optimum: number, rel: number): boolean {
  const m = measured - optimum;
  const r = ref - optimum;
  return Math.abs(m - r) <= rel * Math.abs(r) + 0.01;
}

/** Prints the harness check table; returns the number of failed rows. */
export function checkRandomHarness(reps: number, print: (line: string) => void): number {
  let failed = 0;
  print(`random search vs the reference's tables (${reps} repetitions; regret median ±20 %, p10/p90 ±35 %)`);
  print(
    `${"function".padEnd(16)} ${"n".padStart(4)}  ${"reference p10/med/p90".padEnd(24)} ${"measured p10/med/p90".padEnd(24)} check`,
  );
  for (const o of OBJECTIVES) {
    const runs = Array.from({ length: reps }, (_, i) => randomValues(o, 100_000 + i, 200));
    for (const [n, ref] of Object.entries(RANDOM_BEST_OF[o.name]!)) {
      const best = runs.map((v) => bestAfter(v, Number(n)));
      const got = [0.1, 0.5, 0.9].map((q) => quantile(best, q)) as [number, number, number];
      const ok =
        within(got[1], ref[1], o.optimum, 0.2) &&
        within(got[0], ref[0], o.optimum, 0.35) &&
        within(got[2], ref[2], o.optimum, 0.35);
      if (!ok) failed++;
      print(
        `${o.name.padEnd(16)} ${n.padStart(4)}  ${ref
          .map((v) => fmt(v))
          .join(" / ")
          .padEnd(24)} ${got
          .map((v) => fmt(v))
          .join(" / ")
          .padEnd(24)} ${ok ? "PASS" : "FAIL"}`,
      );
    }
  }
  const bandReps = Math.max(20, Math.floor(reps / 5));
  const band = Array.from({ length: bandReps }, (_, i) =>
    trialsToReach(randomValues(OBJECTIVES[0]!, 200_000 + i, 50_000, BRANIN_BAND), BRANIN_BAND),
  );
  const med = quantile(band, 0.5);
  const ok = Math.abs(med - RANDOM_BAND_MEDIAN) <= 0.5 * RANDOM_BAND_MEDIAN;
  if (!ok) failed++;
  print(
    `${"Branin to 5 %".padEnd(16)} ${"".padStart(4)}  ${`median ≈ ${RANDOM_BAND_MEDIAN} (±50 %)`.padEnd(24)} ${`median ${fmt(med)} (${bandReps} runs)`.padEnd(24)} ${ok ? "PASS" : "FAIL"}`,
  );
  return failed;
}
