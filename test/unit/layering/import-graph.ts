/**
 * The import graph of the repository's TypeScript, read with the compiler's
 * own pre-processor: static imports, `import type`, re-exports, side-effect
 * imports and dynamic `import()` all count, and strings or comments do not.
 * Paths are repo-relative with forward slashes.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import ts from "typescript";

export interface ImportEdge {
  /** Importing file. */
  from: string;
  /** 1-based line of the specifier in `from`. */
  line: number;
  /** The specifier as written. */
  specifier: string;
  /** Repo-relative target for a relative specifier; undefined for packages and builtins. */
  to?: string;
  /** Relative specifier that names no file in the tree. */
  unresolved?: boolean;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

/** Every specifier `text` imports, with its 1-based line. */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((f) => ({
    specifier: f.fileName,
    line: text.slice(0, f.pos).split("\n").length,
  }));
}

/**
 * The file a relative specifier names, or undefined for a package. TypeScript
 * sources here import with `.ts` extensions; `.js` and extensionless forms are
 * accepted too so an odd import still resolves rather than hides.
 */
export function resolveSpecifier(
  from: string,
  specifier: string,
  exists: (path: string) => boolean,
): string | null | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, `${base}/index.ts`];
  return candidates.find(exists) ?? null;
}

/** Builds the graph of `files` (repo-relative) given a way to read them. */
export function buildGraph(
  files: string[],
  read: (path: string) => string,
  exists: (path: string) => boolean,
): ImportGraph {
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const { specifier, line } of importsOf(read(from))) {
      const to = resolveSpecifier(from, specifier, exists);
      if (to === undefined) edges.push({ from, line, specifier });
      else if (to === null) edges.push({ from, line, specifier, unresolved: true });
      else edges.push({ from, line, specifier, to });
    }
  }
  return { files, edges };
}

/**
 * The graph of every .ts file git knows about in `root`: tracked plus new
 * (untracked, not ignored) files, minus files deleted in the work tree.
 */
export function readRepoGraph(root: string): ImportGraph {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.ts"], {
    cwd: root,
    encoding: "utf8",
  });
  const files = [...new Set(listed.split("\0").filter(Boolean))].filter((p) => existsSync(posix.join(root, p))).sort();
  const exists = (p: string): boolean => existsSync(posix.join(root, p));
  return buildGraph(files, (p) => readFileSync(posix.join(root, p), "utf8"), exists);
}
