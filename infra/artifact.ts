/**
 * What a deploy reads from the root it runs from (this checkout, or the
 * installed CLI package, which carries the artifact of its own version): the
 * functions artifact that scripts/build/functions.ts writes, and the versions
 * of the installed Pulumi resource packages.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { KineticError } from "../shared/errors.ts";

export const FUNCTION_ARTIFACT_DIR = "dist/functions";

export function functionArtifactDir(root: string): string {
  return join(root, FUNCTION_ARTIFACT_DIR);
}

/** Refuses to deploy without a built artifact, naming the command that builds it. */
export function assertFunctionArtifact(root: string): string {
  const dir = functionArtifactDir(root);
  if (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "index.js"))) {
    throw new KineticError(
      "failed-precondition",
      `the functions deploy the built artifact ${dir}, which is missing: run \`npm run build:functions\` first`,
    );
  }
  return dir;
}

const PLUGINS = ["gcp", "kubernetes"] as const;

/**
 * The package.json Node's resolution finds for `name` from `root`: in its own
 * node_modules or an ancestor's (an installed CLI's dependencies may be
 * hoisted next to it).
 */
function installedPackageJson(root: string, name: string): string {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const file = join(dir, "node_modules", name, "package.json");
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) throw new KineticError("failed-precondition", `${name} is not installed for ${root}`);
  }
}

/** Resource plugins pinned to the npm packages' versions, so the SDK and plugin never skew. */
export function pluginVersions(repoRoot: string): { name: string; version: string }[] {
  return PLUGINS.map((name) => {
    const file = installedPackageJson(repoRoot, `@pulumi/${name}`);
    const { version } = JSON.parse(readFileSync(file, "utf8")) as { version: string };
    return { name, version: `v${version}` };
  });
}
