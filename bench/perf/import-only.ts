/**
 * Child-process probe for cold starts: imports one module (a function's
 * index.ts, or a package) and prints, as one JSON line, how long the import
 * took and, with --trace=FILE, writes every module it loaded (ESM and
 * CommonJS, through module.registerHooks) to FILE as JSON. Run by
 * ./coldstart.ts, one fresh process per probe.
 *
 *   node bench/perf/import-only.ts <module path or package> [--trace=FILE]
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { isAbsolute, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const [target, flag] = process.argv.slice(2);
if (!target) throw new Error("usage: import-only.ts <module> [--trace=FILE]");
const traceFile = flag?.startsWith("--trace=") ? flag.slice("--trace=".length) : undefined;
const urls = new Set<string>();
if (traceFile) {
  registerHooks({
    resolve(specifier, context, next) {
      const r = next(specifier, context);
      urls.add(r.url);
      return r;
    },
  });
}
const spec = target.startsWith(".") || isAbsolute(target) ? pathToFileURL(resolve(target)).href : target;
const t0 = performance.now();
await import(spec);
const ms = performance.now() - t0;
if (traceFile) writeFileSync(traceFile, JSON.stringify([...urls]));
process.stdout.write(`${JSON.stringify({ ms })}\n`, () => process.exit(0));
