/**
 * Per-device utilization for the dashboard: for each metric family, ONE
 * PromQL instant query over the check's window (never one per job) answering,
 * per (namespace, pod, device), the latest sample, the mean, the peak, and the
 * mean of each of a few equal buckets of the window (a sparkline). The
 * collector's `exported_*` labels win as in the check's own query.
 */
import { STAT, tagStat, workloadLabels, type MetricFamily } from "./families.ts";
import type { VectorSample } from "./metrics.ts";

/** The label naming a device: DCGM's GPU index, GKE's TPU chip id. */
export const DEVICE_LABEL: Record<MetricFamily["kind"], string> = { gpu: "gpu", tpu: "accelerator_id" };

/** At most this many sparkline points, and never buckets shorter than one sample interval. */
export const MAX_BUCKETS = 12;

export function bucketCount(windowMs: number, sampleIntervalMs: number): number {
  return Math.max(1, Math.min(MAX_BUCKETS, Math.floor(windowMs / Math.max(1, sampleIntervalMs))));
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

export function deviceQuery(f: MetricFamily, windowMs: number, sampleIntervalMs: number): string {
  const by = `by (${f.namespaceLabel}, ${f.podLabel}, ${DEVICE_LABEL[f.kind]})`;
  const mapped = (expr: string) => workloadLabels(f, expr);
  const over = (agg: string, fn: string, range: string, offset = "") =>
    `${agg} ${by} (${mapped(`${fn}(${f.metric}[${range}]${offset})`)})`;
  const window = seconds(windowMs);
  const buckets = bucketCount(windowMs, sampleIntervalMs);
  const bucketMs = windowMs / buckets;
  const parts = [
    tagStat(over("max", "last_over_time", window), "latest"),
    tagStat(over("avg", "avg_over_time", window), "mean"),
    tagStat(over("max", "max_over_time", window), "peak"),
  ];
  for (let i = 0; i < buckets; i++) {
    const back = (buckets - 1 - i) * bucketMs;
    parts.push(
      tagStat(over("avg", "avg_over_time", seconds(bucketMs), back ? ` offset ${seconds(back)}` : ""), `b${i}`),
    );
  }
  return parts.join(" or ");
}

export interface DeviceReading {
  family: string;
  namespace: string;
  pod: string;
  device: string;
  latest?: number;
  mean?: number;
  peak?: number;
  /** Bucket means, oldest first; null where the bucket had no sample. */
  points: (number | null)[];
}

/** The answer of deviceQuery, one reading per (namespace, pod, device); series without a pod are skipped. */
export function readDevices(f: MetricFamily, samples: VectorSample[], buckets: number): DeviceReading[] {
  const out = new Map<string, DeviceReading>();
  for (const s of samples) {
    const namespace = s.labels[f.namespaceLabel];
    const pod = s.labels[f.podLabel];
    const device = s.labels[DEVICE_LABEL[f.kind]] ?? "?";
    const stat = s.labels[STAT];
    if (!namespace || !pod || !stat || !Number.isFinite(s.value)) continue;
    const key = `${namespace}/${pod}/${device}`;
    let r = out.get(key);
    if (!r) {
      r = { family: f.name, namespace, pod, device, points: Array<number | null>(buckets).fill(null) };
      out.set(key, r);
    }
    const value = Math.round(s.value * 10) / 10;
    if (stat === "latest" || stat === "mean" || stat === "peak") r[stat] = value;
    else if (/^b[0-9]+$/.test(stat)) {
      const i = Number(stat.slice(1));
      if (i < buckets) r.points[i] = value;
    }
  }
  return [...out.values()].sort(
    (a, b) => a.pod.localeCompare(b.pod) || a.device.localeCompare(b.device, undefined, { numeric: true }),
  );
}
