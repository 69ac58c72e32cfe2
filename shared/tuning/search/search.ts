/**
 * The ask/tell searcher, the same code the study function uses and the SDK
 * exports. Its whole state is the list of trials (index, parameters, state,
 * value): JSON, small, and what a study persists anyway. `ask()` is a pure
 * function of (space, algorithm, settings, seed, that list), so a searcher
 * rebuilt with `fromHistory` after a restart suggests exactly what the
 * original would have, and trial k's suggestion never depends on wall time.
 *
 * @example
 *   const search = createSearch({ space: { x: { type: "double", min: -5, max: 10 } }, seed: 7, algorithm: "bayesianoptimization", objectiveType: "minimize" });
 *   const s = search.ask()!;            // { index: 0, params: { x: … } }
 *   search.tell(s, f(s.params.x));      // a failed trial: search.tell(s, null)
 */
import { KineticError } from "../../errors.ts";
import { DEFAULT_ALGORITHM, parseAlgorithmSettings, type Algorithm, type AlgorithmSettings } from "../algorithms.ts";
import { Hyperparameters, type Assignment } from "../hyperparameters.ts";
import { bayesSuggest, freshSample } from "./bayes.ts";
import { buildGrid, type Grid } from "./grid.ts";
import { rngFor, STREAM } from "./prng.ts";
import { assignmentError, assignmentKey, buildSpace, type SearchSpace } from "./space.ts";

export type ObjectiveType = "maximize" | "minimize";
export type TrialState = "pending" | "succeeded" | "failed";

/** One suggestion: its deterministic index (trial k) and parameters. */
export interface Suggestion {
  index: number;
  params: Assignment;
}

/** A trial as the searcher remembers it; a list of these is the searcher's state. */
export interface SearchTrial extends Suggestion {
  state: TrialState;
  /** The objective value of a succeeded trial. */
  value?: number;
}

export interface SearchOptions {
  /** The study's hyperparameters (validated here) or a space built from them. */
  space: Hyperparameters | SearchSpace;
  /** Seed for every random choice; `settings.random_state` overrides it. */
  seed: number;
  algorithm?: Algorithm;
  /** Algorithm settings as in a study spec ({name: value} or Katib's [{name, value}]). */
  settings?: unknown;
  objectiveType?: ObjectiveType;
  /** Trials so far (persisted), e.g. to resume a study. */
  history?: readonly SearchTrial[];
}

export interface Search {
  /** Distinct points the algorithm can suggest: the grid's size, Infinity otherwise. */
  readonly size: number;
  /** The next trial, or undefined when a grid is exhausted. */
  ask(): Suggestion | undefined;
  /**
   * Records a result. A finite number succeeds; null, undefined, NaN or ±Infinity mark the trial failed
   * (never best). A trial's first result stands: a repeated tell is ignored and returns false.
   */
  tell(trial: Suggestion | number, value: number | null | undefined): boolean;
  /** Every trial so far, by index (JSON-serialisable: pass it to fromHistory). */
  history(): SearchTrial[];
  /** The best succeeded trial; ties keep the earlier trial. */
  best(): SearchTrial | undefined;
}

function isSpace(s: SearchOptions["space"]): s is SearchSpace {
  return Array.isArray((s as SearchSpace).dims);
}

function spaceOf(space: SearchOptions["space"]): SearchSpace {
  if (isSpace(space)) return space;
  const parsed = Hyperparameters.safeParse(space);
  if (!parsed.success)
    throw new KineticError("invalid-argument", `invalid search space: ${parsed.error.issues[0]?.message}`, {
      issues: parsed.error.issues.map((i) => ({ field: ["space", ...i.path].join("."), message: i.message })),
    });
  return buildSpace(parsed.data);
}

function settingsOf(algorithm: Algorithm, raw: unknown): AlgorithmSettings {
  const { settings, issues } = parseAlgorithmSettings(algorithm, raw);
  if (issues.length)
    throw new KineticError(
      "invalid-argument",
      `invalid algorithm settings: ${issues[0]!.field}: ${issues[0]!.message}`,
      {
        issues: issues.map((i) => ({ field: `settings.${i.field}`, message: i.message })),
      },
    );
  return settings;
}

/** A searcher over `space` with the given algorithm (default random). */
export function createSearch(options: SearchOptions): Search {
  const space = spaceOf(options.space);
  const algorithm = options.algorithm ?? DEFAULT_ALGORITHM;
  const settings = settingsOf(algorithm, options.settings);
  const seed = settings.random_state ?? options.seed;
  const sign = options.objectiveType === "minimize" ? 1 : -1; // internally everything is minimised
  const grid: Grid | undefined = algorithm === "grid" ? buildGrid(space, seed, settings.gridPoints) : undefined;
  const trials = new Map<number, SearchTrial>();
  // Keys of every issued assignment, kept incrementally so asking stays O(1) per trial for random search.
  const taken = new Set<string>();

  const record = (t: SearchTrial) => {
    const problem = assignmentError(space, t.params);
    if (problem) throw new KineticError("invalid-argument", `trial ${t.index}: ${problem}`);
    trials.set(t.index, { ...t, params: { ...t.params } });
    taken.add(assignmentKey(space, t.params));
  };
  for (const t of options.history ?? []) record(t);

  let next = Math.max(-1, ...trials.keys()) + 1;

  const suggest = (index: number): Assignment | undefined => {
    if (grid) return grid.pointAt(index);
    if (algorithm === "random") return freshSample(space, rngFor(seed, STREAM.sample, index), taken);
    const done = [...trials.values()].sort((a, b) => a.index - b.index);
    return bayesSuggest({
      space,
      seed,
      index,
      observed: done.filter((t) => t.state === "succeeded").map((t) => ({ params: t.params, value: sign * t.value! })),
      pending: done.filter((t) => t.state === "pending").map((t) => t.params),
      failed: done.filter((t) => t.state === "failed").map((t) => t.params),
      taken,
      nInitial: settings.n_initial_points ?? 5,
      acquisition: settings.acq_func ?? "EI",
    });
  };

  const better = (a: SearchTrial, b: SearchTrial | undefined) =>
    !b || sign * a.value! < sign * b.value! || (a.value === b.value && a.index < b.index);

  return {
    size: grid ? grid.size : Infinity,
    ask() {
      const index = next;
      const params = suggest(index);
      if (!params) return undefined;
      next++;
      record({ index, params, state: "pending" });
      return { index, params: { ...params } };
    },
    tell(trial, value) {
      const index = typeof trial === "number" ? trial : trial.index;
      const t = trials.get(index);
      if (!t) throw new KineticError("not-found", `no trial ${index} was asked`);
      if (t.state !== "pending") return false;
      const ok = typeof value === "number" && Number.isFinite(value);
      trials.set(index, ok ? { ...t, state: "succeeded", value } : { ...t, state: "failed" });
      return true;
    },
    history: () =>
      [...trials.values()].sort((a, b) => a.index - b.index).map((t) => ({ ...t, params: { ...t.params } })),
    best() {
      let best: SearchTrial | undefined;
      for (const t of [...trials.values()].sort((a, b) => a.index - b.index))
        if (t.state === "succeeded" && better(t, best)) best = t;
      return best && { ...best, params: { ...best.params } };
    },
  };
}

/** A searcher rebuilt from persisted trials (pending ones stay pending). */
export function fromHistory(options: Omit<SearchOptions, "history">, trials: readonly SearchTrial[]): Search {
  return createSearch({ ...options, history: trials });
}
