/**
 * The chaos bench of issue 11, on the real emulators and testbed: at least
 * 1,000 jobs through the Pub/Sub push path, each message delivered 3 times
 * concurrently and out of order (by our own push driver: see chaos/driver.ts),
 * ~10 % of creates faulted by the fault proxy (half before, half after
 * forwarding), the submitJob process SIGKILLed and restarted at least 5
 * times, and 10 % of jobs cancelled while their submissions race. Prints the
 * table; exits non-zero unless lost, duplicated, orphaned and stuck are all 0.
 *
 * Run: npm run bench -- chaos   (KINETIC_BENCH_JOBS=N, KINETIC_CHAOS_KILLS=K to change the size)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { createTestNamespace } from "../testbed/index.ts";
import { startBenchEnv } from "./lib.ts";
import { chaosPassed, formatChaosReport } from "./chaos/report.ts";
import { runChaos } from "./chaos/run.ts";

const JOBS = Number(process.env.KINETIC_BENCH_JOBS ?? 1000);
const KILLS = Number(process.env.KINETIC_CHAOS_KILLS ?? 5);

async function main(): Promise<boolean> {
  const env = await startBenchEnv({ cluster: true });
  const workDir = mkdtempSync(join(tmpdir(), "kinetic-chaos-"));
  let passed = false;
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.kubeconfigPath!);
    const ns = await createTestNamespace("chaos", { kubeConfig });
    const result = await runChaos({
      jobs: JOBS,
      kills: KILLS,
      kubeconfigPath: env.kubeconfigPath!,
      namespace: ns.name,
      project: "bench-chaos",
      workDir,
      say: (line) => console.log(`  ${line}`),
    });
    console.log("\n" + formatChaosReport(result));
    passed = chaosPassed(result);
    return passed;
  } finally {
    await env.stop();
    // The function's log stays for a failed run (its path is in the table).
    if (passed) rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
