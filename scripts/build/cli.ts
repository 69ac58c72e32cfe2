/**
 * `npm run build:cli`: the installable `kinetic` package in dist/cli-package/
 * (or `--out DIR`), ready for `npm pack`. Compiled JavaScript for Node >= 22
 * (no type stripping at run time), the SDK as the package's main export with
 * declarations, and the functions artifact of the same version, which
 * `kinetic up` deploys.
 *
 * Layout: the bundles go to dist/cli/ because cli/commands/infra.ts finds its
 * root two folders above its own module, as in the checkout, and the root
 * holds dist/functions/. Pulumi, the prompts and Pub/Sub are lazily imported
 * chunks, so `kinetic --help` loads none of them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTION_ARTIFACT_DIR } from "../../infra/artifact.ts";
import {
  REPO_ROOT,
  bundle,
  dependencyRanges,
  emptyDir,
  importedPackages,
  outDirArg,
  readRootPackage,
  writeJson,
} from "./common.ts";
import { emitDeclarations } from "./declarations.ts";
import { buildFunctions } from "./functions.ts";

/** The published name: the SDK is `import { submit } from "@kinetic/cli"`. */
export const CLI_PACKAGE = "@kinetic/cli";
/** The oldest Node the CLI supports: the compile target and the engines floor. */
export const CLI_NODE_MAJOR = 22;

const README = `# ${CLI_PACKAGE}

The \`kinetic\` command and SDK: run ML training and tuning jobs on Cloud TPUs and GPUs. Node.js >= ${CLI_NODE_MAJOR}.

\`\`\`sh
kinetic profile create dev --project my-proj --zone us-central1-a --cluster kinetic
kinetic config show
kinetic jobs submit -f job.yaml --wait
\`\`\`

\`\`\`ts
import { submit } from "${CLI_PACKAGE}";
\`\`\`

\`kinetic up\` deploys the Cloud Functions shipped in dist/functions/; it needs the Pulumi CLI and gcloud.
`;

export interface CliPackage {
  dir: string;
  name: string;
  dependencies: Record<string, string>;
}

export async function buildCli(outDir = join(REPO_ROOT, "dist/cli-package")): Promise<CliPackage> {
  const root = readRootPackage();
  emptyDir(outDir);
  const metafile = await bundle({
    entryPoints: { bin: "cli/bin.ts", sdk: "shared/sdk.ts" },
    outdir: join(outDir, "dist/cli"),
    target: `node${CLI_NODE_MAJOR}`,
  });
  const dependencies = dependencyRanges(importedPackages(metafile), root);
  const types = `./dist/types/${emitDeclarations("shared/sdk.ts", join(outDir, "dist/types"))}`;
  await buildFunctions(join(outDir, FUNCTION_ARTIFACT_DIR));
  writeJson(join(outDir, "package.json"), {
    name: CLI_PACKAGE,
    version: root.version,
    description: root.description,
    ...(root.license ? { license: root.license } : {}),
    type: "module",
    bin: { kinetic: "dist/cli/bin.js" },
    main: "./dist/cli/sdk.js",
    types,
    exports: { ".": { types, default: "./dist/cli/sdk.js" }, "./package.json": "./package.json" },
    files: ["dist", "README.md"],
    engines: { node: `>=${CLI_NODE_MAJOR}` },
    dependencies,
  });
  writeFileSync(join(outDir, "README.md"), README);
  return { dir: outDir, name: CLI_PACKAGE, dependencies };
}

if (process.argv[1] === import.meta.filename) {
  const { dir, dependencies } = await buildCli(outDirArg(process.argv.slice(2), join(REPO_ROOT, "dist/cli-package")));
  console.log(`built ${dir} (dependencies: ${Object.keys(dependencies).join(", ")})`);
}
