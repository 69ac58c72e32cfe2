/**
 * Runs the real `kinetic` CLI (cli/bin.ts under this Node 24) as a subprocess
 * with a temporary HOME and a scrubbed environment, so nothing from the
 * developer's machine (their gcloud project, their profiles) leaks in.
 * A fake `gcloud` on PATH answers from FAKE_GCLOUD_* variables.
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../../..");
export const BIN = join(REPO, "cli/bin.ts");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  /** Directory put first on PATH; holds the fake gcloud. */
  binDir: string;
  profilesFile: string;
  env: Record<string, string>;
  run(args: string[], extraEnv?: Record<string, string | undefined>): Promise<RunResult>;
  readProfiles(): Promise<unknown>;
  cleanup(): Promise<void>;
}

// The fake gcloud: `config get-value project` prints FAKE_GCLOUD_PROJECT (or
// "(unset)" on stderr, like the real one); `auth print-identity-token` prints
// FAKE_GCLOUD_TOKEN or fails; FAKE_GCLOUD_SLEEP makes it hang first.
const FAKE_GCLOUD = `#!/bin/sh
if [ -n "$FAKE_GCLOUD_SLEEP" ]; then sleep "$FAKE_GCLOUD_SLEEP"; fi
case "$1 $2" in
  "config get-value")
    if [ -n "$FAKE_GCLOUD_PROJECT" ]; then echo "$FAKE_GCLOUD_PROJECT"; else echo "(unset)" >&2; fi ;;
  "auth print-identity-token")
    if [ -n "$FAKE_GCLOUD_TOKEN" ]; then echo "$FAKE_GCLOUD_TOKEN"; else echo "ERROR: (gcloud.auth.print-identity-token) You do not currently have an active account selected." >&2; exit 1; fi ;;
  *) echo "fake gcloud: unsupported: $*" >&2; exit 2 ;;
esac
`;

export function runNode(args: string[], env: Record<string, string | undefined>, cwd = REPO): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: env as NodeJS.ProcessEnv,
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

export async function sandbox(options: { gcloud?: boolean } = {}): Promise<Sandbox> {
  const home = await mkdtemp(join(tmpdir(), "kinetic-cli-"));
  const binDir = join(home, "bin");
  await mkdir(binDir);
  if (options.gcloud !== false) {
    await writeFile(join(binDir, "gcloud"), FAKE_GCLOUD);
    await chmod(join(binDir, "gcloud"), 0o755);
  }
  const env: Record<string, string> = {
    HOME: home,
    // /bin for `sh` and `sleep` used by the fake gcloud; the fake comes first, so a real gcloud never answers.
    PATH: `${binDir}:/bin`,
    LANG: "C.UTF-8",
    NO_COLOR: "1",
  };
  const profilesFile = join(home, ".kinetic", "profiles.json");
  return {
    home,
    binDir,
    profilesFile,
    env,
    run: (args, extraEnv = {}) => runNode(args, { ...env, ...extraEnv }),
    readProfiles: async () => JSON.parse(await readFile(profilesFile, "utf8")),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

/** Parses `config show --json` output. */
export function shown(result: RunResult): Record<string, { value: unknown; source: string; sourceKind: string }> {
  if (result.code !== 0) throw new Error(`kinetic exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
