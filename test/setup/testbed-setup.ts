// Starts the Kubernetes testbed once per vitest run (called from the integration project's global setup) and
// publishes it to test workers through the environment: KINETIC_TEST_KUBECONFIG and KINETIC_TEST_ADDONS.
import { startTestbed } from "../../testbed/cluster.ts";
import { ADDONS_ENV, KUBECONFIG_ENV } from "../../testbed/helpers.ts";

export async function setupTestbed(): Promise<() => Promise<void>> {
  const verbose = process.env.KINETIC_TESTBED_VERBOSE === "1";
  const tb = await startTestbed({ log: verbose ? (m) => console.error(`testbed: ${m}`) : undefined });
  process.env[KUBECONFIG_ENV] = tb.kubeconfigPath;
  process.env[ADDONS_ENV] = JSON.stringify({
    jobset: tb.addons.jobset.ok ? "ok" : tb.addons.jobset.reason,
    kueue: tb.addons.kueue.ok ? "ok" : tb.addons.kueue.reason,
  });
  for (const [name, status] of Object.entries(tb.addons)) {
    if (!status.ok)
      console.warn(`testbed: ${name} is unavailable; tests that need it will be skipped: ${status.reason}`);
  }
  return () => tb.stop();
}
