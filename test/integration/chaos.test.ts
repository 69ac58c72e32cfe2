/**
 * The chaos bench's smaller run (issue 11), on the suite's emulators and
 * testbed: ~200 jobs through the Pub/Sub push path, each message delivered 3
 * times concurrently and out of order, ~10 % of creates faulted before or
 * after reaching the API server, the submitJob process SIGKILLed and
 * restarted at least twice, 10 % of jobs cancelled while their submissions
 * race (a cancel that overtakes its submission leaves a tombstone). Nothing may be lost, duplicated, orphaned or stuck.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestNamespace, type TestNamespace } from "../../testbed/index.ts";
import { chaosPassed, formatChaosReport } from "../../bench/chaos/report.ts";
import { runChaos } from "../../bench/chaos/run.ts";
import { uniqueId } from "./support.ts";

let ns: TestNamespace;
let workDir: string;
let passed = false;

beforeAll(async () => {
  ns = await createTestNamespace("chaos");
  workDir = mkdtempSync(join(tmpdir(), "kinetic-chaos-"));
});

afterAll(async () => {
  await ns?.cleanup();
  // Kept when the run failed: the function's log is named in the report.
  if (passed) rmSync(workDir, { recursive: true, force: true });
});

it("loses, duplicates, orphans and strands no job under duplicate deliveries, faults, kills and racing cancels", async () => {
  const result = await runChaos({
    jobs: 200,
    kills: 2,
    kubeconfigPath: process.env.KINETIC_TEST_KUBECONFIG!,
    namespace: ns.name,
    project: uniqueId("chaos"),
    workDir,
    stormTimeoutMs: 4 * 60_000,
    settleTimeoutMs: 2 * 60_000,
  });
  console.log(formatChaosReport(result));
  expect(result.kills).toBeGreaterThanOrEqual(2);
  expect(result.verdict.published).toBe(200);
  expect(result.verdict.lost).toEqual([]);
  expect(result.verdict.duplicated).toEqual([]);
  expect(result.verdict.orphaned).toEqual([]);
  expect(result.verdict.stuck).toEqual([]);
  // The cancels name their namespace: one that overtakes its submission leaves a tombstone, never a not-found.
  expect(result.cancels.arrivedFirst).toEqual([]);
  passed = chaosPassed(result);
}, 480_000);
