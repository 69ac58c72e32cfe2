/**
 * Runs Kinetic's searchers on an objective through the public ask/tell
 * interface: sequentially, or in synchronous batches (ask `parallel`, then
 * tell them all, as the Optuna runs do).
 */
import type { Algorithm } from "../../shared/tuning/algorithms.ts";
import { createSearch } from "../../shared/tuning/search/search.ts";
import type { Objective } from "./functions.ts";

export interface RunOptions {
  algorithm: Algorithm;
  seed: number;
  parallel: number;
  /** Run at least this many trials… */
  trials: number;
  /** …and keep going up to `cap` until some value is ≤ untilBelow. */
  untilBelow?: number;
  cap?: number;
}

/** The objective values in trial order. */
export function runSearch(objective: Objective, o: RunOptions): number[] {
  const search = createSearch({
    space: objective.space,
    seed: o.seed,
    algorithm: o.algorithm,
    objectiveType: "minimize",
  });
  const values: number[] = [];
  let reached = o.untilBelow === undefined;
  const cap = Math.max(o.trials, o.cap ?? o.trials);
  while (values.length < o.trials || (!reached && values.length < cap)) {
    const batch = Array.from({ length: Math.min(o.parallel, cap - values.length) }, () => search.ask()!);
    for (const s of batch) {
      const v = objective.f([s.params.x1 as number, s.params.x2 as number]);
      search.tell(s, v);
      values.push(v);
      if (o.untilBelow !== undefined && v <= o.untilBelow) reached = true;
    }
  }
  return values;
}
