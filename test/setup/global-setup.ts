/**
 * Vitest global setup for the integration project: one Firestore emulator,
 * one Pub/Sub emulator and one Kubernetes testbed per test run. Each test
 * file isolates itself with its own Firestore project id, topic names and
 * Kubernetes namespace.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulators } from "../../scripts/lib/emulators.ts";
import { setupTestbed } from "./testbed-setup.ts";

export default async function setup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), "kinetic-emulators-"));
  // KINETIC_TESTBED=off skips the cluster for emulator-only iterations; cluster tests then fail loudly.
  const noCluster = process.env.KINETIC_TESTBED === "off";
  const [emulators, testbed] = await Promise.allSettled([
    startEmulators({ dataDir }),
    noCluster ? async () => {} : setupTestbed(),
  ]);
  const teardown = async () => {
    await Promise.allSettled([
      emulators.status === "fulfilled" ? emulators.value.stop() : undefined,
      testbed.status === "fulfilled" ? testbed.value() : undefined,
    ]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  // If either failed to start, stop the other before reporting the failure.
  if (emulators.status === "rejected" || testbed.status === "rejected") {
    await teardown();
    throw emulators.status === "rejected" ? emulators.reason : (testbed as PromiseRejectedResult).reason;
  }
  // No GCE metadata server here: skip the client libraries' probe (it costs seconds per client).
  Object.assign(process.env, emulators.value.env, { METADATA_SERVER_DETECTION: "none" });
  return teardown;
}
