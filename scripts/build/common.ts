/**
 * What the function and CLI builds share: esbuild with every npm package left
 * external (our code is bundled, the SDKs are installed), and a dependency
 * list derived from what the emitted code imports, with the version ranges of
 * the root package.json, so a shipped package.json cannot drift from the code.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface RootPackage {
  name: string;
  version: string;
  description?: string;
  license?: string;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** npm's install-script approvals, read from the project that installs. */
  allowScripts?: Record<string, boolean>;
}

export function readRootPackage(root = REPO_ROOT): RootPackage {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as RootPackage;
}

/** "@scope/name/sub/path" → "@scope/name", "name/sub" → "name". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (specifier: string) => specifier.startsWith("node:") || BUILTINS.has(packageName(specifier));
const isRelative = (specifier: string) => specifier.startsWith(".") || specifier.startsWith("/");

/** The npm packages the output files import, statically or dynamically (lazy imports run too), sorted. */
export function importedPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external || isBuiltin(imp.path) || isRelative(imp.path)) continue;
      names.add(packageName(imp.path));
    }
  }
  return [...names].sort();
}

/**
 * The root package.json's range for each name. A package the code imports
 * but the root does not declare as a runtime dependency fails the build: it
 * would work here only because something else happened to install it.
 */
export function dependencyRanges(names: string[], root: RootPackage): Record<string, string> {
  const missing = names.filter((n) => root.dependencies[n] === undefined);
  if (missing.length) {
    const dev = missing.filter((n) => root.devDependencies?.[n] !== undefined);
    throw new Error(
      `the built code imports ${missing.join(", ")}, which package.json does not list in "dependencies"` +
        (dev.length ? ` (${dev.join(", ")} only in devDependencies)` : ""),
    );
  }
  return Object.fromEntries(names.map((n) => [n, root.dependencies[n]!]));
}

export type BundleOptions = Pick<BuildOptions, "entryPoints" | "outdir" | "target" | "plugins"> & {
  /** npm packages bundled in (with everything they import) instead of left external. */
  inline?: string[];
};

const RESOLVING = Symbol("resolving");

/**
 * Every npm package external except `inline` and what those import: an
 * import made from inside node_modules is by an inlined package (the others
 * are never entered), so it is bundled too. An optional package an inlined
 * one tries to require (ws's bufferutil) and that is not installed stays an
 * external import, noted in `optional`: it is no dependency of the artifact.
 */
function externalExcept(inline: string[], optional: Set<string>): Plugin {
  return {
    name: "external-except",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        if (isBuiltin(args.path)) return { external: true };
        if (!args.importer.includes("/node_modules/") && !inline.includes(packageName(args.path)))
          return { external: true };
        const { kind, importer, resolveDir } = args;
        const r = await b.resolve(args.path, { kind, importer, resolveDir, pluginData: RESOLVING });
        if (!r.errors.length) return r;
        optional.add(args.path);
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * CommonJS code bundled into ESM calls `require` for Node's built-in modules,
 * which ESM does not define: each output file gets one of its own.
 */
const REQUIRE_BANNER =
  'import { createRequire as __kineticCreateRequire } from "node:module"; const require = __kineticCreateRequire(import.meta.url);';

/** An entry point that exists only as text, resolved from the repository root. */
export function virtualModule(name: string, contents: string): Plugin {
  const filter = new RegExp(`^${name}$`);
  return {
    name: `virtual:${name}`,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: name, namespace: "virtual" }));
      b.onLoad({ filter, namespace: "virtual" }, () => ({ contents, resolveDir: REPO_ROOT, loader: "ts" }));
    },
  };
}

/**
 * Bundles our TypeScript into ESM with code splitting (a lazily imported
 * module stays a separate chunk, loaded only when used). `keepNames` keeps
 * class and function names as written: errors are told apart by name.
 */
export async function bundle({ inline, ...options }: BundleOptions): Promise<Metafile> {
  const optional = new Set<string>();
  const result = await build({
    ...options,
    ...(inline?.length
      ? {
          plugins: [...(options.plugins ?? []), externalExcept(inline, optional)],
          banner: { js: REQUIRE_BANNER },
          // Smaller to parse at a cold start (an inlined SDK is megabytes); names stay as written.
          minifyWhitespace: true,
          minifySyntax: true,
        }
      : { packages: "external" as const }),
    absWorkingDir: REPO_ROOT,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    keepNames: true,
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "warning",
  });
  for (const output of Object.values(result.metafile.outputs))
    output.imports = output.imports.filter((i) => !(i.external && optional.has(i.path)));
  return result.metafile;
}

export function emptyDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** `--out DIR` on the command line (tests build into temporary folders), else the default. */
export function outDirArg(argv: string[], fallback: string): string {
  const at = argv.indexOf("--out");
  if (at === -1) return fallback;
  const value = argv[at + 1];
  if (!value) throw new Error("--out needs a directory");
  return resolve(value);
}
