/**
 * Packaging tests build an artifact into a temporary folder, install it
 * somewhere the checkout cannot be reached from, and run it there. Installs
 * use the ordinary npm client and its configuration (the registry mirror),
 * never the checkout's node_modules.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");

/** The Node running the tests: Node 24 from the `node` dev dependency when started through npm/npx. */
export const NODE = process.execPath;
const major = Number(process.versions.node.split(".")[0]);
if (major < 22)
  throw new Error(`packaging tests need Node >= 22, got ${process.version}: run them with npx vitest (Node 24)`);

/** PATH with this Node first, so `#!/usr/bin/env node` scripts (npm, bins) run on it and not the system's. */
export const NODE_PATH_DIR = dirname(NODE);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export function describeRun(what: string, r: RunResult): string {
  return `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Runs or fails with the command's output, so a broken build or install says why. */
export async function mustRun(...args: Parameters<typeof run>): Promise<RunResult> {
  const r = await run(...args);
  if (r.code !== 0) throw new Error(describeRun(`${args[0]} ${args[1].join(" ")}`, r));
  return r;
}

/**
 * The environment for npm: the user's (registry, cache) without the npm_*
 * variables an enclosing `npm run` sets, which npm would read as config.
 */
export function npmEnv(): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
  return { ...env, PATH: `${NODE_PATH_DIR}:${process.env.PATH ?? "/usr/bin:/bin"}` };
}

/** `node scripts/build/<name>.ts --out DIR`, as `npm run build:<name>` runs it. */
export async function build(name: "functions" | "cli", outDir: string): Promise<void> {
  await mustRun(NODE, [join(REPO, "scripts/build", `${name}.ts`), "--out", outDir], {
    cwd: REPO,
    env: npmEnv(),
    timeoutMs: 120_000,
  });
}

/** `npm pack DIR`; returns the tarball's path. */
export async function npmPack(dir: string, destination: string): Promise<string> {
  const r = await mustRun("npm", ["pack", dir, "--pack-destination", destination, "--json"], {
    cwd: destination,
    env: npmEnv(),
  });
  const [info] = JSON.parse(r.stdout) as Array<{ filename: string }>;
  if (!info) throw new Error(`npm pack printed no file: ${r.stdout}`);
  return join(destination, info.filename);
}

/** Every package name installed under `nodeModules`, nested node_modules included. */
export function installedPackages(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const names: string[] = [];
  const visit = (dir: string, name: string) => {
    names.push(name);
    names.push(...installedPackages(join(dir, "node_modules")));
  };
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      for (const sub of readdirSync(join(nodeModules, entry))) visit(join(nodeModules, entry, sub), `${entry}/${sub}`);
    } else visit(join(nodeModules, entry), entry);
  }
  return [...new Set(names)].sort();
}

/** Packages a deployed function must not carry: the deployer (Pulumi), the prompts and the CLI framework. */
export const NOT_FOR_FUNCTIONS = [/^@pulumi\//, /^@inquirer\//, /^commander$/];

/**
 * A preload that makes a server started without a host (functions-framework
 * has no host option) listen on 127.0.0.1 instead of every interface.
 */
export function writeLoopbackPreload(dir: string): string {
  const file = join(dir, "loopback.mjs");
  writeFileSync(
    file,
    `import net from "node:net";
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (port, ...rest) {
  const portOnly = (typeof port === "number" || /^\\d+$/.test(String(port))) && typeof rest[0] !== "string";
  return portOnly ? listen.call(this, Number(port), "127.0.0.1", ...rest) : listen.call(this, port, ...rest);
};
`,
  );
  return file;
}

/** A preload recording every module URL the process resolves, to see what a command loads. */
export function writeResolveTrace(dir: string): string {
  const file = join(dir, "trace.mjs");
  writeFileSync(
    file,
    `import { registerHooks } from "node:module";
import { appendFileSync } from "node:fs";
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    appendFileSync(process.env.KINETIC_TRACE_FILE, result.url + "\\n");
    return result;
  },
});
`,
  );
  return file;
}
