/**
 * The whole local stack (scripts/lib/local-stack.ts: emulators, every function over HTTP with its push
 * subscriptions, crons, the local runtime) started once for a test file, in this process, and stopped after it.
 * The examples' tests and the push-hook test drive it only through its HTTP surface, as `npm start` users do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { LocalStack } from "../../scripts/lib/local-stack.ts";
import { createLogger } from "../../shared/log.ts";

export interface LocalStackHandle {
  /** The started stack (throws before beforeAll has run). */
  readonly stack: LocalStack;
  /** Every structured log line of the stack's functions. */
  readonly logLines: string[];
  /** The ERROR and WARN lines, for an assertion's message. */
  problems(): string;
}

export function useLocalStack(name: string, options: { requireBuilds?: boolean } = {}): LocalStackHandle {
  let stack: LocalStack | undefined;
  let dataDir: string | undefined;
  const logLines: string[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `kinetic-${name}-it-`));
    stack = new LocalStack({
      dataDir,
      project: `kinetic-${name}-it`,
      cluster: { kind: "local" },
      cronIntervalMs: 500,
      log: createLogger({}, (line) => void logLines.push(line)),
      say: () => {},
    });
    await stack.start();
    if (options.requireBuilds && (!stack.deps?.images || !stack.registry))
      throw new Error(
        "image builds are off in the local stack: the registry and crane are not built (npm run testbed:build)",
      );
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get stack() {
      if (!stack) throw new Error("the local stack is not started yet (use it inside a test)");
      return stack;
    },
    logLines,
    problems: () => logLines.filter((l) => /ERROR|WARN/.test(l)).join("\n"),
  };
}
