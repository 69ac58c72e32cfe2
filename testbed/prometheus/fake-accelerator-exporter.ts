/**
 * A FAKE accelerator metrics exporter (no GPU or TPU exists here): an HTTP
 * /metrics endpoint in Prometheus text format whose per-pod, per-device
 * values the caller scripts (busy, idle, missing, stale, one idle GPU of
 * eight). Series carry the labels GKE's managed DCGM exporter uses for GPUs
 * (`DCGM_FI_DEV_GPU_UTIL`, 0–100, with gpu/UUID/device/modelName/Hostname and
 * the pod mapping namespace/pod/container, or exported_* as a collector that
 * keeps the exporter's own pod labels shows them) and the names and labels Google
 * Managed Prometheus gives GKE's TPU system metrics
 * (`kubernetes_io:container_accelerator_duty_cycle` and
 * `…_tensorcore_utilization`, with namespace_name/pod_name/container_name).
 * Tests import it as test/fakes/dcgm-exporter.ts; the bench imports it here.
 */
import { createServer, type Server } from "node:http";

export const GPU_UTIL_METRIC = "DCGM_FI_DEV_GPU_UTIL";
export const TPU_DUTY_CYCLE_METRIC = "kubernetes_io:container_accelerator_duty_cycle";
export const TPU_TENSORCORE_METRIC = "kubernetes_io:container_accelerator_tensorcore_utilization";

interface Series {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

const key = (namespace: string, pod: string) => `${namespace}/${pod}`;

export class FakeAcceleratorExporter {
  private readonly pods = new Map<string, Series[]>();
  private readonly loose: Series[] = [];
  private server?: Server;
  /** Scrapes served so far (a test can wait for fresh samples). */
  scrapes = 0;

  /** One GPU pod: one DCGM series per value (GPU index = position); replaces what the pod had. */
  setGpuPod(
    namespace: string,
    pod: string,
    utilization: number[],
    options: { model?: string; host?: string; exportedLabels?: boolean } = {},
  ) {
    const host = options.host ?? `gke-kinetic-gpu-${pod.length % 7}`;
    this.pods.set(
      key(namespace, pod),
      utilization.map((value, gpu) => ({
        metric: GPU_UTIL_METRIC,
        labels: {
          gpu: String(gpu),
          UUID: `GPU-${hash(`${namespace}/${pod}/${gpu}`)}`,
          device: `nvidia${gpu}`,
          modelName: options.model ?? "NVIDIA H100 80GB HBM3",
          Hostname: host,
          DCGM_FI_DRIVER_VERSION: "535.183.01",
          // As a collector that keeps the exporter's own pod labels shows them: the workload's become exported_*.
          ...(options.exportedLabels
            ? {
                exported_container: "main",
                exported_namespace: namespace,
                exported_pod: pod,
                container: "nvidia-dcgm-exporter",
                namespace: "gke-managed-system",
                pod: `dcgm-exporter-${hash(host).slice(0, 5)}`,
              }
            : { container: "main", namespace, pod }),
        },
        value,
      })),
    );
  }

  /** One TPU host pod: duty cycle and TensorCore utilization (percent) per chip; either may be omitted. */
  setTpuPod(
    namespace: string,
    pod: string,
    values: { dutyCycle?: number[]; tensorcore?: number[] },
    options: { model?: string; topology?: string } = {},
  ) {
    const series: Series[] = [];
    for (const [metric, list] of [
      [TPU_DUTY_CYCLE_METRIC, values.dutyCycle],
      [TPU_TENSORCORE_METRIC, values.tensorcore],
    ] as const) {
      (list ?? []).forEach((value, chip) =>
        series.push({
          metric,
          labels: {
            cluster_name: "kinetic",
            namespace_name: namespace,
            pod_name: pod,
            container_name: "main",
            accelerator_id: String(chip),
            make: "google",
            model: options.model ?? "tpu-v6e-slice",
            tpu_topology: options.topology ?? "2x4",
            monitored_resource: "k8s_container",
          },
          value,
        }),
      );
    }
    this.pods.set(key(namespace, pod), series);
  }

  /** Stops exporting a pod's series (Prometheus marks them stale at the next scrape). */
  removePod(namespace: string, pod: string): void {
    this.pods.delete(key(namespace, pod));
  }

  /** A GPU series with no pod mapping (a device no pod holds, or the mapping is off). */
  addUnmappedGpu(value: number, gpu = 0): void {
    this.loose.push({
      metric: GPU_UTIL_METRIC,
      labels: { gpu: String(gpu), UUID: `GPU-unmapped-${gpu}`, device: `nvidia${gpu}`, Hostname: "gke-kinetic-idle" },
      value,
    });
  }

  clear(): void {
    this.pods.clear();
    this.loose.length = 0;
  }

  /** The exposition text, as the exporter's /metrics serves it. */
  render(): string {
    const byMetric = new Map<string, string[]>();
    for (const s of [...[...this.pods.values()].flat(), ...this.loose]) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
        .join(",");
      const lines = byMetric.get(s.metric) ?? [];
      lines.push(`${s.metric}{${labels}} ${s.value}`);
      byMetric.set(s.metric, lines);
    }
    return [...byMetric].map(([m, lines]) => `# TYPE ${m} gauge\n${lines.join("\n")}\n`).join("");
  }

  /** Serves /metrics on 127.0.0.1 at a free port; resolves to "127.0.0.1:PORT" (a Prometheus target). */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") return void res.writeHead(404).end();
      this.scrapes++;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(this.render());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("fake exporter: no port");
    return `127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function hash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(16).padStart(8, "0");
}
