/** The study page's learning-curve selection and words (dashboard/src/learning-curves.ts) and its attention lists. */
import { describe, expect, it } from "vitest";
import { attentionLists, jobHref, why } from "../../dashboard/src/attention.ts";
import {
  alignCurves,
  curveOf,
  curvesCaption,
  selectCurves,
  wantsLog,
  type CurveLimits,
} from "../../dashboard/src/learning-curves.ts";
import type { Trial } from "../../dashboard/src/types.ts";

const trial = (index: number, over: Partial<Trial> = {}): Trial => ({
  id: `s-${index}`,
  index,
  state: "SUCCEEDED",
  jobId: `s-${index}`,
  namespace: "team-a",
  params: {},
  ...over,
});
const curve = (end: number, n = 3) => ({
  loss: Array.from({ length: n }, (_, i) => ({ step: i + 1, value: end + n - i - 1 })),
});

describe("curveOf", () => {
  it("reads the finished series, else the pushed steps in step order, and drops other metrics and non-finite values", () => {
    expect(curveOf(trial(0, { series: curve(1) }), "loss")).toEqual([
      { step: 1, value: 3 },
      { step: 2, value: 2 },
      { step: 3, value: 1 },
    ]);
    const running = trial(1, {
      state: "PENDING",
      pushed: { "10": { loss: 0.5 }, "2": { loss: 0.9, acc: 0.1 }, "3": { acc: 1 } },
    });
    expect(curveOf(running, "loss")).toEqual([
      { step: 2, value: 0.9 },
      { step: 10, value: 0.5 },
    ]);
    expect(curveOf(trial(2, { series: { loss: [] }, pushed: { "1": { loss: 2 } } }), "loss")).toEqual([
      { step: 1, value: 2 },
    ]);
    expect(curveOf(trial(3), "loss")).toEqual([]);
  });
});

describe("selectCurves", () => {
  it("draws every trial with points when they fit, styled by state, the best last", () => {
    const trials = [
      trial(0, { series: curve(1), objective: 1 }),
      trial(1, { series: curve(0.5), objective: 0.5 }),
      trial(2, { state: "EARLY_STOPPED", series: curve(4, 2), objective: 4 }),
      trial(3, { state: "FAILED", pushed: { "1": { loss: 9 } } }),
      trial(4, { state: "PENDING", pushed: { "1": { loss: 3 } } }),
      trial(5, { state: "METRICS_UNAVAILABLE", series: {} }),
    ];
    const sel = selectCurves(trials, { metric: "loss", maximize: false, bestId: "s-1" });
    expect(sel.all).toBe(true);
    expect(sel.withCurves).toBe(5);
    expect(sel.curves.map((c) => [c.id, c.style])).toEqual([
      ["s-0", "done"],
      ["s-3", "failed"],
      ["s-2", "stopped"],
      ["s-4", "running"],
      ["s-1", "best"],
    ]);
    const caption = curvesCaption(sel, "loss");
    expect(caption).toContain("loss against step for 5 trials (every trial with reported steps).");
    expect(caption).toContain("Best trial s-1 (thick orange) ends at loss 0.5 at step 3.");
    expect(caption).toContain("Stopped early by the median rule (grey, dashed): s-2 (to step 2).");
    expect(caption).toContain("Failed or without a result (red, dotted): s-3 (to step 1).");
    expect(caption).toContain("Running, still growing (green): s-4 (to step 1).");
  });

  it("bounds a long study to the best completed, every running one and the latest, and says so", () => {
    const limits: CurveLimits = { top: 3, latest: 2, running: 10 };
    // 1,000 trials; the objective is lowest at index 500 and rises away from it; two run now (among the oldest ids).
    const trials = Array.from({ length: 1000 }, (_, k) =>
      k === 7 || k === 8
        ? trial(k, { state: "PENDING", pushed: { "1": { loss: 5 } } })
        : trial(k, { series: curve(Math.abs(k - 500)), objective: Math.abs(k - 500) }),
    );
    const sel = selectCurves(trials, { metric: "loss", maximize: false, bestId: "s-500", limits });
    expect(sel.all).toBe(false);
    expect(sel.picked).toEqual({ top: 3, running: 2, latest: 2 });
    expect(sel.curves.map((c) => c.id).sort()).toEqual(
      ["s-499", "s-500", "s-501", "s-7", "s-8", "s-998", "s-999"].sort(),
    );
    expect(sel.curves.at(-1)!.id).toBe("s-500");
    expect(curvesCaption(sel, "loss")).toContain(
      "loss against step for 7 of 1000 trials with reported steps: the best 3 completed, 2 running and the latest 2 others.",
    );
    // Maximising picks the other end.
    const max = selectCurves(trials, { metric: "loss", maximize: true, limits });
    expect(max.curves.filter((c) => c.style === "done").map((c) => c.id)).toContain("s-0");
  });

  it("says when nothing has reported per step yet", () => {
    const sel = selectCurves([trial(0, { state: "PENDING" })], { metric: "loss", maximize: false });
    expect(sel.curves).toEqual([]);
    expect(curvesCaption(sel, "loss")).toMatch(/^No trial has reported loss per step yet/);
  });
});

describe("alignCurves and wantsLog", () => {
  it("puts the curves on the union of their steps with gaps as null", () => {
    const sel = selectCurves(
      [
        trial(0, {
          series: {
            loss: [
              { step: 1, value: 2 },
              { step: 3, value: 1 },
            ],
          },
        }),
        trial(1, { series: { loss: [{ step: 2, value: 5 }] } }),
      ],
      { metric: "loss", maximize: false },
    );
    expect(alignCurves(sel.curves)).toEqual({
      x: [1, 2, 3],
      ys: [
        [2, null, 1],
        [null, 5, null],
      ],
    });
    expect(wantsLog(sel.curves)).toBe(false);
    const wide = selectCurves(
      [
        trial(0, {
          series: {
            loss: [
              { step: 1, value: 1000 },
              { step: 2, value: 1 },
            ],
          },
        }),
      ],
      {
        metric: "loss",
        maximize: false,
      },
    );
    expect(wantsLog(wide.curves)).toBe(true);
  });
});

describe("attentionLists", () => {
  it("lists failed and metrics-less trials newest first, early-stopped ones apart, with their reason and job link", () => {
    const trials = [
      trial(0, { state: "FAILED", reason: "JobFailed", message: "job FAILED: OOMKilled" }),
      trial(1),
      trial(2, { state: "EARLY_STOPPED", reason: "MedianStop" }),
      trial(3, { state: "METRICS_UNAVAILABLE", reason: "MetricsUnavailable", jobId: "job-3", namespace: "team b" }),
      trial(4, { state: "CANCELLED" }),
    ];
    const lists = attentionLists(trials);
    expect(lists.problems.map((t) => t.id)).toEqual(["s-3", "s-0"]);
    expect(lists.stopped.map((t) => t.id)).toEqual(["s-2"]);
    expect(why(trials[0]!)).toBe("JobFailed: job FAILED: OOMKilled");
    expect(jobHref(trials[3]!)).toBe("#/jobs/team%20b/job-3");
  });
});
