/** The dashboard's parallel-coordinates math (dashboard/src/parallel-layout.ts): scales, ticks, colours. */
import { describe, expect, it } from "vitest";
import {
  axesFor,
  badnessByRank,
  colorAt,
  position,
  ticks,
  type LineTrial,
} from "../../dashboard/src/parallel-layout.ts";
import type { ParamDomain } from "../../dashboard/src/types.ts";

const SPACE: Record<string, ParamDomain> = {
  lr: { type: "double", min: 0.001, max: 0.3, log: true },
  momentum: { type: "double", min: 0, max: 0.9 },
  optimizer: { type: "categorical", values: ["adam", "sgd", "rmsprop"] },
  batch: { type: "discrete", values: [32, 64, 128] },
};
const TRIALS: LineTrial[] = [
  { id: "s-0", params: { lr: 0.01, momentum: 0.45, optimizer: "sgd", batch: 64 }, objective: 2 },
  { id: "s-1", params: { lr: 0.1, momentum: 0.9, optimizer: "adam", batch: 32 }, objective: 0.5 },
];

describe("axesFor", () => {
  it("gives one axis per declared parameter on its declared scale, then the objective over the trials' range", () => {
    const axes = axesFor(SPACE, TRIALS, "loss");
    expect(axes.map((a) => [a.name, a.kind])).toEqual([
      ["lr", "log"],
      ["momentum", "linear"],
      ["optimizer", "categorical"],
      ["batch", "linear"],
      ["loss", "linear"],
    ]);
    expect(axes[0]).toMatchObject({ min: 0.001, max: 0.3 });
    expect(axes[2]!.categories).toEqual(["adam", "sgd", "rmsprop"]);
    expect(axes[3]).toMatchObject({ min: 32, max: 128 });
    expect(axes[4]).toMatchObject({ min: 0.5, max: 2, kind: "linear", objective: true });
    // An objective spanning two decades or more is drawn on a log scale.
    const wide = axesFor(SPACE, [...TRIALS, { id: "s-2", params: {}, objective: 60 }], "loss");
    expect(wide.at(-1)).toMatchObject({ kind: "log", min: 0.5, max: 60 });
  });

  it("widens a declared range to a value outside it, and adds parameters the space does not declare", () => {
    const axes = axesFor(SPACE, [{ id: "x", params: { momentum: 1.2, extra: "a" }, objective: 1 }], "loss");
    expect(axes.find((a) => a.name === "momentum")).toMatchObject({ min: 0, max: 1.2 });
    expect(axes.find((a) => a.name === "extra")).toMatchObject({ kind: "categorical", categories: ["a"] });
  });
});

describe("position", () => {
  const [lr, momentum, optimizer] = axesFor(SPACE, TRIALS, "loss");
  it("places log values by decade, linear ones proportionally and categories evenly", () => {
    expect(position(lr!, 0.001)).toBeCloseTo(0, 12);
    expect(position(lr!, 0.3)).toBeCloseTo(1, 12);
    expect(position(lr!, 0.01)).toBeCloseTo(1 / Math.log10(300), 12);
    expect(position(momentum!, 0.45)).toBeCloseTo(0.5, 12);
    expect([position(optimizer!, "adam"), position(optimizer!, "sgd"), position(optimizer!, "rmsprop")]).toEqual([
      0, 0.5, 1,
    ]);
  });
  it("cannot place a missing, unknown or non-positive (log) value", () => {
    expect(position(optimizer!, "lion")).toBeUndefined();
    expect(position(momentum!, undefined)).toBeUndefined();
    expect(position(lr!, 0)).toBeUndefined();
  });
});

describe("ticks", () => {
  it("labels each decade of a log axis, round numbers on a linear one, each category", () => {
    const [lr, momentum, optimizer] = axesFor(SPACE, TRIALS, "loss");
    expect(ticks(lr!).map((t) => t.label)).toEqual(["0.001", "0.01", "0.1"]);
    expect(ticks(momentum!).map((t) => t.label)).toEqual(["0", "0.25", "0.5", "0.75"]);
    expect(ticks(optimizer!).map((t) => t.label)).toEqual(["adam", "sgd", "rmsprop"]);
    for (const t of ticks(momentum!)) expect(t.at).toBeGreaterThanOrEqual(0);
  });
});

describe("colours", () => {
  it("maps the best trial to 0 and the worst to 1 by rank, in the study's direction", () => {
    const three = [0.5, 2, 1000].map((objective, i) => ({ id: `t${i}`, params: {}, objective }));
    expect([...badnessByRank(three, false)]).toEqual([
      ["t0", 0],
      ["t1", 0.5],
      ["t2", 1],
    ]);
    expect(badnessByRank(three, true).get("t2")).toBe(0);
    expect(badnessByRank(three.slice(0, 1), false).get("t0")).toBe(0);
    expect(colorAt(0)).toBe("rgb(68,1,84)");
    expect(colorAt(1)).toBe("rgb(222,150,20)");
  });
});
