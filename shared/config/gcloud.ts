/**
 * The two things Kinetic borrows from gcloud: its configured project (the last
 * project fallback) and an identity token for the API. gcloud may be missing,
 * unconfigured or slow, so every call has a short deadline and failure is
 * "no answer", never a crash.
 */
import { spawn } from "node:child_process";

export interface GcloudResult {
  /** Trimmed stdout when gcloud exited 0 with output. */
  stdout?: string;
  /** Why there is no answer: missing binary, timeout, non-zero exit (stderr's last line). */
  failure?: string;
}

/**
 * Runs gcloud in its own process group so a timeout can kill the Python child
 * too; the promise settles at the deadline even if a grandchild keeps the pipes open.
 */
export function runGcloud(
  args: string[],
  options: { timeoutMs: number; env?: Record<string, string | undefined> },
): Promise<GcloudResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: GcloudResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("gcloud", args, {
        env: (options.env ?? process.env) as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
    } catch (err) {
      resolve({ failure: `cannot run gcloud: ${(err as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
      done({ failure: `gcloud did not answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e: NodeJS.ErrnoException) =>
      done({
        failure: e.code === "ENOENT" ? "gcloud is not installed (not on PATH)" : `cannot run gcloud: ${e.message}`,
      }),
    );
    child.on("close", (code) => {
      const text = out.trim();
      if (code === 0 && text) done({ stdout: text });
      else done({ failure: err.trim().split("\n").pop() || `gcloud exited with code ${code}` });
    });
  });
}

export const GCLOUD_PROJECT_TIMEOUT_MS = 3_000;
export const GCLOUD_TOKEN_TIMEOUT_MS = 10_000;

/** `gcloud config get-value project`, or undefined when unset or unavailable. */
export async function gcloudProject(env?: Record<string, string | undefined>): Promise<string | undefined> {
  const r = await runGcloud(["config", "get-value", "project", "--quiet"], {
    timeoutMs: GCLOUD_PROJECT_TIMEOUT_MS,
    env,
  });
  return r.stdout && r.stdout !== "(unset)" ? r.stdout.split("\n").pop()!.trim() : undefined;
}

/** `gcloud auth print-identity-token`; the failure reason is returned, never the token in an error. */
export async function gcloudIdentityToken(env?: Record<string, string | undefined>): Promise<GcloudResult> {
  return runGcloud(["auth", "print-identity-token", "--quiet"], { timeoutMs: GCLOUD_TOKEN_TIMEOUT_MS, env });
}
