/**
 * Runs the benchmarks in bench/ one after another (each starts and stops its
 * own emulators/cluster). `npm run bench` runs all; `npm run bench -- submit`
 * runs the ones whose file name contains "submit".
 */
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => !filter.length || filter.some((w) => f.includes(w)))
  .sort();
if (!benches.length) {
  console.error(
    `no bench matches ${filter.join(" ")}; available: ${readdirSync(here)
      .filter((f) => f.endsWith(".bench.ts"))
      .join(", ")}`,
  );
  process.exit(2);
}
let failed = 0;
for (const file of benches) {
  console.log(`\n### ${file}`);
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
