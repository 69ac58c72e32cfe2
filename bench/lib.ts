/**
 * Shared bench plumbing: start the real emulators and the Kubernetes testbed,
 * and print latency percentiles the same way in every bench.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulators } from "../scripts/lib/emulators.ts";
import { startTestbed } from "../testbed/cluster.ts";

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(label: string, valuesMs: number[]): string {
  const s = [...valuesMs].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(8);
  return `${label.padEnd(44)} n=${String(s.length).padStart(5)}  p50=${f(percentile(s, 50))} ms  p95=${f(percentile(s, 95))} ms  p99=${f(percentile(s, 99))} ms  max=${f(s.at(-1) ?? NaN)} ms`;
}

export interface BenchEnv {
  kubeconfigPath?: string;
  stop(): Promise<void>;
}

/** Starts what a bench needs; everything stops in `stop()`, also on Ctrl-C. */
export async function startBenchEnv(options: { cluster: boolean }): Promise<BenchEnv> {
  process.env.METADATA_SERVER_DETECTION = "none";
  const dataDir = mkdtempSync(join(tmpdir(), "kinetic-bench-"));
  const emulators = await startEmulators({ dataDir });
  Object.assign(process.env, emulators.env);
  const testbed = options.cluster
    ? await startTestbed().catch(async (err: unknown) => {
        await emulators.stop();
        throw err;
      })
    : undefined;
  const stop = async () => {
    await Promise.allSettled([emulators.stop(), testbed?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void stop().then(() => process.exit(130)));
  return { ...(testbed ? { kubeconfigPath: testbed.kubeconfigPath } : {}), stop };
}
