/**
 * Where testbed/chromium/build.sh put Debian's headless Chromium, and the
 * environment it needs (its libraries unpacked beside it, not installed).
 * Missing or half-built is an error naming the build command, never a skip.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const CHROMIUM_BUILD_COMMAND = "bash testbed/chromium/build.sh";

export interface ChromiumInstall {
  executablePath: string;
  /** The process environment plus LD_LIBRARY_PATH over the unpacked libraries. */
  env: Record<string, string>;
  version: string;
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
  return env.KINETIC_CHROMIUM_CACHE ?? join(homedir(), ".cache", "kinetic-chromium");
}

export function chromium(env: NodeJS.ProcessEnv = process.env): ChromiumInstall {
  const root = cacheRoot(env);
  const current = join(root, "current");
  const missing = (why: string) =>
    new Error(`headless Chromium is not available: ${why}. Build it with \`${CHROMIUM_BUILD_COMMAND}\``);
  if (!existsSync(current)) throw missing(`${current} does not exist`);
  const version = readFileSync(current, "utf8").trim();
  const dir = join(root, version);
  const executablePath = join(dir, "root/usr/lib/chromium/chromium-headless-shell");
  if (!existsSync(join(dir, ".ready")) || !existsSync(executablePath)) {
    throw missing(`${dir} is incomplete`);
  }
  const libs = [
    "usr/lib/x86_64-linux-gnu",
    "usr/lib/x86_64-linux-gnu/pulseaudio",
    "lib/x86_64-linux-gnu",
    "usr/lib/chromium",
  ].map((p) => join(dir, "root", p));
  const inherited = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
  const ld = [...libs, ...(env.LD_LIBRARY_PATH ? [env.LD_LIBRARY_PATH] : [])].join(":");
  return { executablePath, env: { ...inherited, LD_LIBRARY_PATH: ld }, version };
}
