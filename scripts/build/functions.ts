/**
 * `npm run build:functions`: the deployable Cloud Functions artifact,
 * dist/functions/ (or `--out DIR`). One bundle, index.js, registers every
 * function of functions/deploy.ts; each deployed function selects its own
 * with the entry point (functions-framework's --target). Beside it, a
 * package.json whose dependencies are exactly the packages the bundle imports
 * and a package-lock.json cut from the root one, so Cloud Build's `npm ci`
 * installs the tested versions and nothing else (no Pulumi, no prompts, no CLI).
 *
 * Each function loads lazily: the entry registers a thin wrapper per function
 * (./lazy-http.ts) that imports the function's module, its own chunk, on the
 * first request, so a deployed function never loads the others' code and SDKs.
 *
 * The Google SDKs stay external rather than bundled: the Google clients read
 * their .proto and JSON files from their own package folders at run time, and
 * the runtime starts functions-framework from node_modules, which must be the
 * same instance the functions register with. The Kubernetes client and zod
 * are bundled (INLINE): they read no files of their own, and as one chunk
 * they load 2–3× faster than their ~1,000 modules from node_modules.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDashboardAssets, DASHBOARD_DIR } from "../../functions/api/dashboard-assets.ts";
import { FUNCTIONS } from "../../functions/deploy.ts";
import { DEFAULT_VERSIONS } from "../../infra/config.ts";
import { FUNCTION_ARTIFACT_DIR } from "../../infra/artifact.ts";
import {
  REPO_ROOT,
  bundle,
  dependencyRanges,
  emptyDir,
  importedPackages,
  outDirArg,
  readRootPackage,
  virtualModule,
  writeJson,
} from "./common.ts";
import { pruneLockfile, type Lockfile } from "./lockfile.ts";

/** The functions runtime's Node major ("nodejs24" → 24): the compile target and the engines floor. */
export function runtimeNodeMajor(runtime: string = DEFAULT_VERSIONS.functionsRuntime): number {
  const match = /^nodejs(\d+)$/.exec(runtime);
  if (!match) throw new Error(`unexpected functions runtime ${runtime}`);
  return Number(match[1]);
}

/** The root's install-script approvals for the packages the artifact installs, so its `npm ci` runs the same scripts. */
function allowScriptsFor(allow: Record<string, boolean>, lock: Lockfile): Record<string, boolean> | undefined {
  const installed = new Set(Object.keys(lock.packages).map((p) => p.slice(p.lastIndexOf("node_modules/") + 13)));
  const kept = Object.entries(allow).filter(([name]) => installed.has(name));
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/**
 * npm packages bundled into the artifact: plain JavaScript that reads no files
 * of its own, each hundreds of modules that load faster as one chunk.
 * Licenses: client-node Apache-2.0 (its dependencies MIT/ISC/Apache-2.0/BSD), zod MIT.
 */
export const INLINE = ["@kubernetes/client-node", "zod"];

/** The generated entry: every function registered at load, each loading its module on its first request. */
export function functionsEntry(): string {
  const lines = FUNCTIONS.map((f) => {
    if (f.signature !== "http") throw new Error(`${f.name}: only HTTP functions can be registered lazily`);
    return `functions.http(${JSON.stringify(f.name)}, lazyHttp(() => import(${JSON.stringify(`./${f.source}`)})));`;
  });
  return [
    `import * as functions from "@google-cloud/functions-framework";`,
    `import { lazyHttp } from "./scripts/build/lazy-http.ts";`,
    ...lines,
  ].join("\n");
}

export interface FunctionArtifact {
  dir: string;
  dependencies: Record<string, string>;
}

export async function buildFunctions(outDir = join(REPO_ROOT, FUNCTION_ARTIFACT_DIR)): Promise<FunctionArtifact> {
  const root = readRootPackage();
  const node = runtimeNodeMajor();
  emptyDir(outDir);
  const metafile = await bundle({
    // A generated entry registering each function module: a newly declared function is built without touching this file.
    entryPoints: [{ in: "functions-index", out: "index" }],
    plugins: [virtualModule("functions-index", functionsEntry())],
    inline: INLINE,
    outdir: outDir,
    target: `node${node}`,
  });
  // The dashboard's files beside the bundle, where functions/api/dashboard-assets.ts looks first: the deployed api
  // serves /ui/ from them (it has neither dashboard/ nor esbuild to build them).
  mkdirSync(join(outDir, DASHBOARD_DIR), { recursive: true });
  for (const [name, asset] of await buildDashboardAssets())
    writeFileSync(join(outDir, DASHBOARD_DIR, name), asset.body);
  const dependencies = dependencyRanges(importedPackages(metafile), root);
  if (!dependencies["@google-cloud/functions-framework"])
    throw new Error("the functions bundle does not import @google-cloud/functions-framework");
  const engines = { node: `>=${node}` };
  const pkg = {
    name: `${root.name}-functions`,
    version: root.version,
    description: "Kinetic's Cloud Functions, built by scripts/build/functions.ts (do not edit)",
    private: true,
    type: "module",
    main: "index.js",
    engines,
    dependencies,
  };
  const lock = pruneLockfile(JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as Lockfile, {
    ...pkg,
  });
  const allowScripts = allowScriptsFor(root.allowScripts ?? {}, lock);
  writeJson(join(outDir, "package.json"), { ...pkg, ...(allowScripts ? { allowScripts } : {}) });
  writeJson(join(outDir, "package-lock.json"), lock);
  return { dir: outDir, dependencies };
}

if (process.argv[1] === import.meta.filename) {
  const { dir, dependencies } = await buildFunctions(
    outDirArg(process.argv.slice(2), join(REPO_ROOT, FUNCTION_ARTIFACT_DIR)),
  );
  console.log(`built ${dir} (dependencies: ${Object.keys(dependencies).join(", ")})`);
}
