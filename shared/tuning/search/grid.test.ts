import { describe, expect, it } from "vitest";
import { buildGrid, permutation } from "./grid.ts";
import { assignmentKey, buildSpace } from "./space.ts";
import { createSearch } from "./search.ts";

describe("check 23: grid visits each lattice point exactly once", () => {
  it("computes a stepped double by index: 0.1..0.7 step 0.2 is 4 points including 0.7", () => {
    const grid = buildGrid(buildSpace({ x: { type: "double", min: 0.1, max: 0.7, step: 0.2 } }), 0);
    expect(grid.values("x")).toEqual([0.1, 0.3, 0.5, 0.7]);
    expect(grid.values("x").map(String)).toEqual(["0.1", "0.3", "0.5", "0.7"]);
    expect(grid.size).toBe(4);
  });

  it("spreads a step-less Double over gridPoints values, endpoints exact (default 5)", () => {
    const space = buildSpace({
      x: { type: "double", min: 0.1, max: 0.5 },
      lr: { type: "double", min: 1e-4, max: 1, log: true },
    });
    expect(buildGrid(space, 0).values("x")).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(buildGrid(space, 0, 3).values("x")).toEqual([0.1, 0.3, 0.5]);
    expect(buildGrid(space, 0).values("lr")).toEqual([1e-4, 1e-3, 1e-2, 0.1, 1]);
  });

  it("lists integers by step, discrete and categorical lists as given", () => {
    const grid = buildGrid(
      buildSpace({
        n: { type: "integer", min: 1, max: 10, step: 3 },
        b: { type: "discrete", values: [32, 16] },
        c: { type: "categorical", values: ["x", "y", "z"] },
      }),
      0,
    );
    expect(grid.values("n")).toEqual([1, 4, 7, 10]);
    expect(grid.values("b")).toEqual([16, 32]);
    expect(grid.values("c")).toEqual(["x", "y", "z"]);
    expect(grid.size).toBe(24);
  });

  it("visits every point once, in a seeded shuffled order, then reports exhaustion", () => {
    const space = buildSpace({
      a: { type: "integer", min: 0, max: 6 },
      b: { type: "categorical", values: ["p", "q", "r"] },
      c: { type: "double", min: 0, max: 1 },
    });
    const grid = buildGrid(space, 42);
    const keys = Array.from({ length: grid.size }, (_, k) => assignmentKey(space, grid.pointAt(k)!));
    expect(new Set(keys).size).toBe(7 * 3 * 5);
    expect(grid.pointAt(grid.size)).toBeUndefined();
    // Shuffled: a lexicographic walk would keep a = 0 for the first 15 points.
    expect(new Set(keys.slice(0, 15).map((k) => JSON.parse(k)[0])).size).toBeGreaterThan(2);
  });

  it("a grid smaller than trials runs whole, then ask() says it is done", () => {
    const search = createSearch({ space: { x: { type: "integer", min: 1, max: 3 } }, seed: 1, algorithm: "grid" });
    const seen = [search.ask(), search.ask(), search.ask()].map((s) => s!.params.x);
    expect([...seen].sort()).toEqual([1, 2, 3]);
    expect(search.ask()).toBeUndefined();
    expect(search.size).toBe(3);
  });
});

describe("permutation", () => {
  it("is a bijection on [0, n) for small, odd and wide domains", () => {
    for (const n of [1n, 2n, 3n, 5n, 17n, 1000n, 4097n]) {
      const p = permutation(n, 9);
      const out = new Set<bigint>();
      for (let i = 0n; i < n; i++) out.add(p(i));
      expect(out.size).toBe(Number(n));
      expect([...out].every((v) => v >= 0n && v < n)).toBe(true);
    }
    const wide = permutation(10n ** 30n, 3);
    const firsts = new Set(Array.from({ length: 1000 }, (_, i) => wide(BigInt(i))));
    expect(firsts.size).toBe(1000);
  });
});

describe("check 21: same seed, same grid order", () => {
  it("repeats its order for a seed and changes it for another", () => {
    const space = buildSpace({ a: { type: "integer", min: 0, max: 9 }, b: { type: "integer", min: 0, max: 9 } });
    const order = (seed: number) =>
      Array.from({ length: 100 }, (_, k) => assignmentKey(space, buildGrid(space, seed).pointAt(k)!));
    expect(order(5)).toEqual(order(5));
    expect(order(5)).not.toEqual(order(6));
  });
});
