/**
 * One job's verdict from the window's per-pod stats, over all its pods and
 * devices and every family of its kind:
 * - busy: any device of any of its pods reached the threshold in the window;
 * - idle: no device did, and some family shows a FULL window for the whole
 *   job: every pod present, each with all its devices, each device with at
 *   least 80% of the samples the window holds, the window wholly after warm-up;
 * - unknown otherwise. No data is never idle (Kaiwo read it as 0 %).
 */
import type { MetricFamily } from "./families.ts";
import type { AcceleratorJob } from "./job-shape.ts";
import type { PodStats, UtilizationSettings, Verdict } from "./types.ts";

/** Share of the window's expected samples a device must have. */
export const MIN_SAMPLE_SHARE = 0.8;

export function judge(
  job: AcceleratorJob,
  podStats: Map<MetricFamily, PodStats[]>,
  settings: UtilizationSettings,
  now: Date,
): Verdict {
  let peak = Number.NEGATIVE_INFINITY;
  for (const pods of podStats.values()) for (const p of pods) if (p.peak > peak) peak = p.peak;
  if (peak >= settings.lowUtilizationThreshold) return { kind: "busy", peak };

  const started = Date.parse(job.job.startedAt ?? "");
  if (!Number.isFinite(started)) return { kind: "unknown", why: "the job has no start time" };
  const judgedFrom = started + settings.warmUpMs;
  if (now.getTime() - settings.windowMs < judgedFrom) {
    return { kind: "unknown", why: `warming up until ${new Date(judgedFrom + settings.windowMs).toISOString()}` };
  }
  const needed = Math.max(1, Math.floor((settings.windowMs / settings.sampleIntervalMs) * MIN_SAMPLE_SHARE));
  const reasons: string[] = [];
  for (const [family, pods] of podStats) {
    const full = pods.filter((p) => p.devices >= job.countPerPod && p.minSamples >= needed).length;
    if (full >= job.pods) return { kind: "idle", peak };
    reasons.push(`${family.name}: ${full} of ${job.pods} pods with ${job.countPerPod} devices × ${needed} samples`);
  }
  return { kind: "unknown", why: reasons.length ? `no full window (${reasons.join("; ")})` : "no samples" };
}
