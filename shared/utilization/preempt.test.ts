// Demand-aware preemption planning: same accelerator pool only, oldest-overdue first, all or nothing, no double claims.
import { describe, expect, it } from "vitest";
import type { JobDoc } from "../store/job-store.ts";
import { acceleratorShape, type AcceleratorJob } from "./job-shape.ts";
import { planPreemptions, type Demand } from "./preempt.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function job(id: string, spec: Record<string, unknown>, startedAt?: string): AcceleratorJob {
  const doc = {
    id,
    namespace: "ns",
    state: "RUNNING",
    spec,
    accelerator: String(spec.accelerator),
    startedAt,
  } as JobDoc;
  return acceleratorShape(doc)!;
}
const h100 = (id: string, extra: Record<string, unknown> = {}, startedAt?: string) =>
  job(id, { accelerator: "nvidia-h100-80gb", gpus: 8, ...extra }, startedAt);
const demand = (j: AcceleratorJob, waitedS: number): Demand => ({ job: j, since: NOW - waitedS * 1000 });
const plan = (demands: Demand[], running: AcceleratorJob[]) =>
  planPreemptions(demands, running, { now: NOW, thresholdMs: 300_000 }).map((p) => ({
    for: p.demand.job.job.id,
    victims: p.victims.map((v) => v.job.id),
  }));

describe("planPreemptions", () => {
  it("takes an overdue job of the same accelerator, never one of another GPU type", () => {
    const overdueH100 = h100("old-h100", { duration: "1h" }, ago(7200));
    const overdueL4 = job("old-l4", { accelerator: "nvidia-l4", gpus: 8, duration: "1h" }, ago(9000));
    expect(plan([demand(h100("wants-h100"), 600)], [overdueL4, overdueH100])).toEqual([
      { for: "wants-h100", victims: ["old-h100"] },
    ]);
  });

  it("waits for the threshold, counted from when the job started waiting", () => {
    const victim = h100("old", { duration: "1h" }, ago(7200));
    expect(plan([demand(h100("new"), 200)], [victim])).toEqual([]);
  });

  it("spares jobs within their duration and jobs without one", () => {
    const within = h100("within", { duration: "3h" }, ago(7200));
    const none = h100("none", {}, ago(99_999));
    expect(plan([demand(h100("new"), 600)], [within, none])).toEqual([]);
  });

  it("is all or nothing: a demand that cannot be covered takes no one", () => {
    const small = job("small", { accelerator: "nvidia-h100-80gb", gpus: 4, duration: "1h" }, ago(7200));
    const twoPods = h100("big", { workers: 2 });
    expect(plan([demand(twoPods, 600)], [h100("one", { duration: "1h" }, ago(7200)), small])).toEqual([]);
  });

  it("takes the oldest overdue first and never claims a victim twice", () => {
    const a = h100("a", { duration: "1h" }, ago(4000)); // overdue since 400 s
    const b = h100("b", { duration: "1h" }, ago(9000)); // overdue since 5400 s
    expect(plan([demand(h100("first"), 900), demand(h100("second"), 600), demand(h100("third"), 601)], [a, b])).toEqual(
      [
        { for: "first", victims: ["b"] },
        { for: "third", victims: ["a"] },
      ],
    );
  });

  it("matches TPU slices by topology", () => {
    const v6e8 = job("v6e-8", { accelerator: "tpu-v6e-8", duration: "1h" }, ago(7200));
    const v6e16 = job("v6e-16", { accelerator: "tpu-v6e-16", duration: "1h" }, ago(7200));
    expect(plan([demand(job("wants", { accelerator: "tpu-v6e-16" }), 600)], [v6e8, v6e16])).toEqual([
      { for: "wants", victims: ["v6e-16"] },
    ]);
  });

  it("never takes spot capacity for an on-demand job", () => {
    const spot = job("spot", { accelerator: "nvidia-l4", gpus: 8, spot: true, duration: "1h" }, ago(7200));
    expect(plan([demand(job("od", { accelerator: "nvidia-l4", gpus: 8 }), 600)], [spot])).toEqual([]);
  });
});
