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
  const [emulators, stopTestbed] = await Promise.all([startEmulators({ dataDir }), setupTestbed()]);
  Object.assign(process.env, emulators.env);
  return async () => {
    await Promise.allSettled([emulators.stop(), stopTestbed()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
