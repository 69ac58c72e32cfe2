import { describe, expect, it } from "vitest";
import { metricValues, mergeSeries, parseMetricLines, pickValue, pushedSeries } from "./metrics.ts";

const values = (text: string, names = ["loss", "accuracy"]) =>
  Object.fromEntries(Object.entries(parseMetricLines(text, names)).map(([k, v]) => [k, v.map((p) => p.value)]));

describe("metrics from name=value lines", () => {
  it("check 12: parses exponents, signs and a leading RFC3339 timestamp; other numbers do not count", () => {
    const text = [
      "epoch 3 step 100 loss=1e-05",
      "loss = -3.2E+2 accuracy=0.91",
      "2026-03-01T10:00:00Z loss=0.25",
      "2026-03-01T10:00:01.5+02:00 accuracy=.5",
      "val_loss=9 my-loss=8 lossy=7 accuracy_top5=0.99",
      "loss=0.5abc learning_rate=0.1",
      "nothing here 42",
    ].join("\n");
    expect(values(text)).toEqual({ loss: [1e-5, -320, 0.25], accuracy: [0.91, 0.5] });
    const series = parseMetricLines(text, ["loss"]);
    expect(series.loss![2]).toMatchObject({ value: 0.25, at: "2026-03-01T10:00:00.000Z", step: 3 });
    expect(series.loss![0]!.at).toBeUndefined();
  });

  it("check 13: NaN, Inf and overflowing values are rejected, never a value", () => {
    expect(values("loss=nan\nloss=NaN\nloss=inf\nloss=-Infinity\nloss=1e999\naccuracy=0.3")).toEqual({
      accuracy: [0.3],
    });
    expect(pushedSeries({ "1": { loss: Number.NaN }, "2": { loss: 0.2 } }, ["loss"])).toEqual({
      loss: [{ value: 0.2, step: 2 }],
    });
  });

  it("check 14: the objective is the best of its series unless latest; additional metrics are their latest", () => {
    const s = parseMetricLines("loss=0.5 accuracy=0.7\nloss=0.2 accuracy=0.9\nloss=0.3 accuracy=0.8", [
      "loss",
      "accuracy",
    ]);
    expect(pickValue(s.loss, "best", "minimize")).toBe(0.2);
    expect(pickValue(s.loss, "best", "maximize")).toBe(0.5);
    expect(pickValue(s.loss, "latest", "minimize")).toBe(0.3);
    expect(pickValue(undefined, "best", "minimize")).toBeUndefined();
    expect(metricValues(s, "loss", "best", "minimize")).toEqual({ loss: 0.2, accuracy: 0.8 });
  });

  it("latest follows timestamps, and the later line on equal ones", () => {
    const s = parseMetricLines(
      ["2026-03-01T10:00:05Z loss=1", "2026-03-01T10:00:01Z loss=2", "2026-03-01T10:00:05Z loss=3"].join("\n"),
      ["loss"],
    );
    expect(pickValue(s.loss, "latest", "minimize")).toBe(3);
  });

  it("pushed reports win over log lines for the metrics they carry, ordered by step", () => {
    const logs = parseMetricLines("loss=0.9\naccuracy=0.1", ["loss", "accuracy"]);
    const pushed = pushedSeries({ "10": { loss: 0.3 }, "2": { loss: 0.4 } }, ["loss", "accuracy"]);
    const merged = mergeSeries(logs, pushed);
    expect(merged.loss!.map((p) => p.value)).toEqual([0.4, 0.3]);
    expect(merged.accuracy!.map((p) => p.value)).toEqual([0.1]);
  });
});
