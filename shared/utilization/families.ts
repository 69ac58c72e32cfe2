/**
 * The metric families read per run, each with ONE PromQL query over the
 * window, aggregated by pod (never one query per job): a pod's peak over all
 * its devices, the fewest samples any of its devices has, and how many
 * devices reported. DCGM's GPU utilisation for GPUs; GKE's TPU duty cycle and
 * TensorCore utilisation (as Google Managed Prometheus names them) for TPUs.
 */
import type { PodStats } from "./types.ts";
import type { VectorSample } from "./metrics.ts";

export interface MetricFamily {
  name: string;
  kind: "gpu" | "tpu";
  metric: string;
  namespaceLabel: string;
  podLabel: string;
  /**
   * A collector that does not honour the exporter's labels (Managed Prometheus's pod monitoring, a default
   * Prometheus scrape) keeps the exporter's own pod as `pod` and renames the workload's to `exported_pod`:
   * where the `exported_` label is present it wins.
   */
  exportedLabels?: boolean;
}

export const FAMILIES: readonly MetricFamily[] = [
  {
    name: "dcgm-gpu-util",
    kind: "gpu",
    metric: "DCGM_FI_DEV_GPU_UTIL",
    namespaceLabel: "namespace",
    podLabel: "pod",
    exportedLabels: true,
  },
  {
    name: "tpu-duty-cycle",
    kind: "tpu",
    metric: "kubernetes_io:container_accelerator_duty_cycle",
    namespaceLabel: "namespace_name",
    podLabel: "pod_name",
  },
  {
    name: "tpu-tensorcore",
    kind: "tpu",
    metric: "kubernetes_io:container_accelerator_tensorcore_utilization",
    namespaceLabel: "namespace_name",
    podLabel: "pod_name",
  },
];

/** The label that tells a query's statistics apart. */
export const STAT = "kinetic_stat";

/** Marks a query's series with the statistic they carry, so one query can answer several (joined with `or`). */
export function tagStat(expr: string, stat: string): string {
  return `label_replace(${expr}, "${STAT}", "${stat}", "", "")`;
}

/** A collector that keeps the exporter's own pod labels the workload's as `exported_*`: those win. */
export function workloadLabels(f: MetricFamily, expr: string): string {
  return f.exportedLabels
    ? [f.podLabel, f.namespaceLabel].reduce(
        (e, l) => `label_replace(${e}, "${l}", "$1", "exported_${l}", "(.+)")`,
        expr,
      )
    : expr;
}

/** The family's one query: three per-pod aggregates told apart by a `kinetic_stat` label. */
export function familyQuery(f: MetricFamily, windowMs: number): string {
  const range = `${Math.max(1, Math.round(windowMs / 1000))}s`;
  const by = `by (${f.namespaceLabel}, ${f.podLabel})`;
  const mapped = (expr: string) => workloadLabels(f, expr);
  const over = (fn: string) => mapped(`${fn}(${f.metric}[${range}])`);
  return [
    tagStat(`max ${by} (${over("max_over_time")})`, "peak"),
    tagStat(`min ${by} (${over("count_over_time")})`, "samples"),
    tagStat(`count ${by} (${over("count_over_time")})`, "devices"),
  ].join(" or ");
}

export interface FamilyReading {
  /** By "namespace/pod". */
  pods: Map<string, PodStats>;
  /** Series that had no pod (or namespace) label: counted, never read as a zero. */
  seriesWithoutPod: number;
}

export function readFamily(f: MetricFamily, samples: VectorSample[]): FamilyReading {
  const pods = new Map<string, PodStats>();
  let seriesWithoutPod = 0;
  for (const s of samples) {
    const ns = s.labels[f.namespaceLabel];
    const pod = s.labels[f.podLabel];
    const stat = s.labels[STAT];
    if (!ns || !pod) {
      // The "devices" aggregate of the label-less group says how many such series there were.
      if (stat === "devices" && Number.isFinite(s.value)) seriesWithoutPod += s.value;
      continue;
    }
    if (!Number.isFinite(s.value)) continue;
    const key = `${ns}/${pod}`;
    const stats = pods.get(key) ?? { peak: Number.NaN, minSamples: 0, devices: 0 };
    if (stat === "peak") stats.peak = s.value;
    else if (stat === "samples") stats.minSamples = s.value;
    else if (stat === "devices") stats.devices = s.value;
    pods.set(key, stats);
  }
  return { pods, seriesWithoutPod };
}
