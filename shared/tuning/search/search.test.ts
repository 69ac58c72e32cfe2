import { describe, expect, it } from "vitest";
import { KineticError } from "../../errors.ts";
import type { Hyperparameters } from "../hyperparameters.ts";
import { createSearch, fromHistory, type SearchOptions } from "./search.ts";

const space: Hyperparameters = {
  x: { type: "double", min: -5, max: 10 },
  n: { type: "integer", min: 1, max: 8 },
  opt: { type: "categorical", values: ["adam", "sgd"] },
};
const f = (p: Record<string, number | string>) =>
  ((p.x as number) - 2) ** 2 + (p.n as number) * 0.1 + (p.opt === "sgd" ? 1 : 0);

/** Runs `trials` sequential trials and returns the suggestions in order. */
function drive(options: SearchOptions, trials: number) {
  const search = createSearch(options);
  const out = [];
  for (let i = 0; i < trials; i++) {
    const s = search.ask()!;
    out.push(s);
    search.tell(s, f(s.params));
  }
  return out;
}

describe("check 21: same seed, same suggestions", () => {
  for (const algorithm of ["random", "grid", "bayesianoptimization"] as const)
    it(`${algorithm}: repeats for a seed, differs for another`, () => {
      const a = drive({ space, seed: 3, algorithm, objectiveType: "minimize" }, 8);
      const b = drive({ space, seed: 3, algorithm, objectiveType: "minimize" }, 8);
      const c = drive({ space, seed: 4, algorithm, objectiveType: "minimize" }, 8);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
      expect(a.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

  it("random_state in the settings overrides the seed", () => {
    const a = drive({ space, seed: 1, algorithm: "random", settings: { random_state: 9 } }, 4);
    const b = drive({ space, seed: 9, algorithm: "random" }, 4);
    expect(a).toEqual(b);
  });
});

describe("checks 19 and 30: a searcher rebuilt from persisted trials continues exactly", () => {
  it("suggests what the original would have, pending trials included", () => {
    const options: SearchOptions = { space, seed: 11, algorithm: "bayesianoptimization", objectiveType: "minimize" };
    const original = createSearch(options);
    for (let i = 0; i < 7; i++) {
      const s = original.ask()!;
      original.tell(s, f(s.params));
    }
    const pending = original.ask()!; // persisted, not yet dispatched: a crash here must not lose or repeat it
    const saved = JSON.parse(JSON.stringify(original.history()));
    const rebuilt = fromHistory(options, saved);
    expect(rebuilt.history()).toEqual(original.history());
    expect(rebuilt.ask()).toEqual(original.ask());
    expect(rebuilt.history().find((t) => t.index === pending.index)?.state).toBe("pending");
  });

  it("resumes past the old budget with the old results in view (raising trials)", () => {
    const options: SearchOptions = { space, seed: 2, algorithm: "bayesianoptimization", objectiveType: "minimize" };
    const first = drive(options, 10);
    const history = first.map((s) => ({ ...s, state: "succeeded" as const, value: f(s.params) }));
    const next = fromHistory(options, history).ask()!;
    expect(next.index).toBe(10);
    expect(history.map((h) => JSON.stringify(h.params))).not.toContain(JSON.stringify(next.params));
  });
});

describe("tell", () => {
  it("check 13: NaN, Infinity and null mark the trial failed, never best", () => {
    const search = createSearch({ space, seed: 1, objectiveType: "maximize" });
    const [a, b, c, d] = [search.ask()!, search.ask()!, search.ask()!, search.ask()!];
    search.tell(a, Number.NaN);
    search.tell(b, Number.POSITIVE_INFINITY);
    search.tell(c, null);
    search.tell(d, 0.5);
    expect(search.history().map((t) => t.state)).toEqual(["failed", "failed", "failed", "succeeded"]);
    expect(search.best()).toMatchObject({ index: d.index, value: 0.5 });
  });

  it("keeps the first result of a trial (terminal states absorb) and rejects unknown trials", () => {
    const search = createSearch({ space, seed: 1, objectiveType: "minimize" });
    const s = search.ask()!;
    expect(search.tell(s, 1)).toBe(true);
    expect(search.tell(s, 0)).toBe(false);
    expect(search.tell(s.index, null)).toBe(false);
    expect(search.best()?.value).toBe(1);
    expect(() => search.tell(99, 1)).toThrow(KineticError);
  });

  it("picks the best by objective direction; ties keep the earlier trial", () => {
    for (const [objectiveType, want] of [
      ["maximize", 0],
      ["minimize", 2],
    ] as const) {
      const search = createSearch({ space, seed: 1, objectiveType });
      const values = [3, 3, 1];
      for (const v of values) search.tell(search.ask()!, v);
      expect(search.best()?.index).toBe(want);
    }
  });
});

describe("validation at the edge", () => {
  it("rejects a bad space, unknown settings and foreign history", () => {
    expect(() => createSearch({ space: { x: { type: "double", min: 0, max: 1, log: true } }, seed: 1 })).toThrow(
      /invalid search space: must be > 0 on a log scale/,
    );
    expect(() => createSearch({ space, seed: 1, algorithm: "random", settings: { gamma: 0.2 } })).toThrow(
      "invalid algorithm settings: gamma: unknown setting for random; known: random_state",
    );
    const history = [{ index: 0, params: { x: 1 }, state: "succeeded" as const, value: 1 }];
    expect(() => fromHistory({ space, seed: 1 }, history)).toThrow('trial 0: missing parameter "n"');
  });
});
