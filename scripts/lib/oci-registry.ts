/**
 * The local OCI registry (distribution, built from Go modules by
 * testbed/registry/build.sh) on 127.0.0.1 at a free port, and where build.sh
 * put `crane`. `npm start` (local mode), tests and benches push real images
 * to it; nothing needs Docker or the internet. A part that was never built
 * is an error with the command that builds it: a test that needs the
 * registry never silently skips. (testbed/registry/registry.ts re-exports
 * this: scripts/ cannot import testbed/.)
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startProcess, waitForHttp } from "./processes.ts";

// The versions build.sh builds are pinned beside it.
const here = resolve(import.meta.dirname, "../../testbed/registry");

export interface BuildsPaths {
  readonly key: string;
  readonly root: string;
  readonly bin: (name: "registry" | "crane") => string;
}

/** Where build.sh put the binaries for the versions pinned in versions.env. */
export function buildsPaths(): BuildsPaths {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(here, "versions.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue;
    vars[m[1]] = m[2].replace(/\$\{([A-Z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");
  }
  const key = vars.BUILDS_KEY;
  if (!key) throw new Error("builds: testbed/registry/versions.env has no BUILDS_KEY");
  const base = process.env.KINETIC_BUILDS_CACHE ?? join(homedir(), ".cache", "kinetic-builds");
  const root = join(base, key);
  return { key, root, bin: (name) => join(root, "bin", name) };
}

/** The path of a built binary; throws (never skips) when build.sh has not built it. */
export function requireBinary(name: "registry" | "crane"): string {
  const path = buildsPaths().bin(name);
  if (!existsSync(path)) {
    throw new Error(`builds: ${name} is not built (${path} is missing); run: npm run testbed:build`);
  }
  return path;
}

export interface LocalRegistry {
  /** host:port, the registry part of an image reference ("127.0.0.1:40123/kinetic/base:1"). */
  readonly host: string;
  /** http://host:port */
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Starts a fresh, empty registry; its storage is a temporary directory removed on stop. */
export async function startRegistry(options: { port?: number } = {}): Promise<LocalRegistry> {
  const bin = requireBinary("registry");
  const dataDir = mkdtempSync(join(tmpdir(), "kinetic-registry-"));
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  mkdirSync(join(dataDir, "storage"));
  const config = join(dataDir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      // Access logs off: a bench sends thousands of requests, and errors still show at level warn.
      "log: { level: warn, accesslog: { disabled: true } }",
      "storage:",
      `  filesystem: { rootdirectory: ${JSON.stringify(join(dataDir, "storage"))} }`,
      "  delete: { enabled: true }",
      "http:",
      `  addr: ${host}`,
      // One registry process: the upload-state secret only needs to be stable within it.
      `  secret: ${randomBytes(16).toString("hex")}`,
      "",
    ].join("\n"),
  );
  // distribution otherwise reports usage to a remote endpoint on start; this host has no internet.
  const env = { ...process.env, OTEL_TRACES_EXPORTER: "none", OTEL_SDK_DISABLED: "true" };
  const proc = startProcess("registry", bin, ["serve", config], { env, logFile: join(dataDir, "registry.log") });
  const stop = async () => {
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://${host}/v2/`, { timeoutMs: 20_000 });
  } catch (err) {
    const log = existsSync(join(dataDir, "registry.log")) ? readFileSync(join(dataDir, "registry.log"), "utf8") : "";
    await stop();
    throw new Error(`builds: the registry did not start on ${host}: ${String(err)}\n${log.slice(-2000)}`, {
      cause: err,
    });
  }
  return { host, url: `http://${host}`, dataDir, stop };
}
