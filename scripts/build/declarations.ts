/**
 * Type declarations for a published entry module, emitted by the TypeScript
 * compiler with the repository's own settings. The sources import each other
 * with `.ts` extensions; the declarations sit beside `.d.ts` files, so their
 * relative specifiers are rewritten to `.js`, which every TypeScript
 * resolution mode maps to the `.d.ts`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "./common.ts";

const RELATIVE_TS = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g;

export function rewriteTsSpecifiers(text: string): string {
  return text.replace(RELATIVE_TS, "$1$2.js$3");
}

/** Writes the declarations of `entry` (repo-relative) and what it imports under `outDir`; returns the entry's .d.ts path there. */
export function emitDeclarations(entry: string, outDir: string): string {
  const configFile = ts.readConfigFile(join(REPO_ROOT, "tsconfig.json"), (f) => ts.sys.readFile(f));
  if (configFile.error) throw new Error(ts.flattenDiagnosticMessageText(configFile.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, REPO_ROOT);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    sourceMap: false,
    rootDir: REPO_ROOT,
    outDir,
  };
  const program = ts.createProgram([join(REPO_ROOT, entry)], options);
  const result = program.emit(undefined, (file, text) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, rewriteTsSpecifiers(text));
  });
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length || result.emitSkipped) {
    throw new Error(
      `declarations for ${entry} failed:\n${ts.formatDiagnostics(errors, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => REPO_ROOT,
        getNewLine: () => "\n",
      })}`,
    );
  }
  return entry.replace(/\.ts$/, ".d.ts");
}
