/**
 * `node scripts/build/dashboard.ts [--out DIR]`: the dashboard's static files
 * (dashboard/ bundled with uPlot by esbuild) into dist/dashboard/. The API
 * serves such a folder when KINETIC_DASHBOARD_DIR names it; without one it
 * builds the same files in memory on first request.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildDashboardAssets } from "../../functions/api/dashboard-assets.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const at = process.argv.indexOf("--out");
const out = resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : join(REPO_ROOT, "dist/dashboard"));
const started = performance.now();
const assets = await buildDashboardAssets();
mkdirSync(out, { recursive: true });
for (const [name, asset] of assets) writeFileSync(join(out, name), asset.body);
const size = [...assets.values()].reduce((n, a) => n + a.body.length, 0);
console.log(
  `dashboard: ${assets.size} files, ${(size / 1024).toFixed(0)} KiB, in ${out} (${Math.round(performance.now() - started)} ms)`,
);
