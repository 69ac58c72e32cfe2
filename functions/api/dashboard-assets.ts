/**
 * The dashboard's static files (dashboard/: index.html, styles.css, the
 * TypeScript bundled with uPlot by esbuild). Read from a prebuilt folder when
 * KINETIC_DASHBOARD_DIR names one (scripts/build/dashboard.ts writes it) or the deployed bundle has one beside it
 * (scripts/build/functions.ts writes it), else
 * built in memory on the first request (a checkout, `npm start`, the tests) and
 * kept for the life of the process. Nothing is fetched from a CDN.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type * as Esbuild from "esbuild";

export interface Asset {
  type: string;
  body: Buffer;
}
export type Assets = Map<string, Asset>;

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "styles.css": "text/css; charset=utf-8",
  "uplot.css": "text/css; charset=utf-8",
};
export const ASSET_NAMES = Object.keys(TYPES);

const SOURCE_DIR = resolve(import.meta.dirname, "../../dashboard");
/** The prebuilt files' folder beside the deployed bundle (scripts/build/functions.ts writes it). */
export const DASHBOARD_DIR = "dashboard";
const BESIDE_BUNDLE = join(import.meta.dirname, DASHBOARD_DIR);
// A variable, so the functions bundler leaves esbuild (a build tool) out of the deployed code.
const ESBUILD = "esbuild";

/** Bundles dashboard/ from source: what the build script writes and a checkout serves. */
export async function buildDashboardAssets(sourceDir: string = SOURCE_DIR): Promise<Assets> {
  const esbuild = (await import(ESBUILD)) as typeof Esbuild;
  const out = await esbuild.build({
    entryPoints: [join(sourceDir, "src/main.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const js = out.outputFiles[0];
  if (!js) throw new Error("esbuild produced no dashboard bundle");
  const uplotCss = join(sourceDir, "../node_modules/uplot/dist/uPlot.min.css");
  const bodies: Record<string, Buffer> = {
    "index.html": readFileSync(join(sourceDir, "index.html")),
    "app.js": Buffer.from(js.contents),
    "styles.css": readFileSync(join(sourceDir, "styles.css")),
    "uplot.css": readFileSync(uplotCss),
  };
  return new Map(ASSET_NAMES.map((n) => [n, { type: TYPES[n]!, body: bodies[n]! }]));
}

async function readPrebuilt(dir: string): Promise<Assets> {
  const entries = await Promise.all(
    ASSET_NAMES.map(async (n) => [n, { type: TYPES[n]!, body: await readFile(join(dir, n)) }] as const),
  );
  return new Map(entries);
}

let cached: Promise<Assets> | undefined;

/** The assets, loaded once; a failed load is retried on the next request rather than cached. */
export function dashboardAssets(env: NodeJS.ProcessEnv = process.env): Promise<Assets> {
  if (!cached) {
    const dir =
      env.KINETIC_DASHBOARD_DIR ?? (existsSync(join(BESIDE_BUNDLE, "index.html")) ? BESIDE_BUNDLE : undefined);
    cached = (dir && existsSync(join(dir, "index.html")) ? readPrebuilt(dir) : buildDashboardAssets()).catch(
      (err: unknown) => {
        cached = undefined;
        throw err;
      },
    );
  }
  return cached;
}
