/**
 * Where build.sh put the testbed's binaries, CRDs and webhooks: a cache
 * keyed by the versions pinned in versions.env. Its own module so the addons
 * can use it without importing the cluster that starts them.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export interface TestbedPaths {
  readonly key: string;
  readonly root: string;
  readonly bin: (name: string) => string;
  readonly crds: string;
  readonly webhooks: string;
}

/** Where build.sh put the binaries for the versions pinned in versions.env. */
export function testbedPaths(): TestbedPaths {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(here, "versions.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue;
    vars[m[1]] = m[2].replace(/\$\{([A-Z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");
  }
  const key = vars.TESTBED_KEY;
  if (key === undefined || key === "") throw new Error("testbed: versions.env has no TESTBED_KEY");
  const base = process.env.KINETIC_TESTBED_CACHE ?? join(homedir(), ".cache", "kinetic-testbed");
  const root = join(base, key);
  return {
    key,
    root,
    bin: (name) => join(root, "bin", name),
    crds: join(root, "crds"),
    webhooks: join(root, "webhooks"),
  };
}
