/**
 * Runs one tool of a build (crane, pip) with a time limit, streaming its
 * output into the build log line by line. A tool that is not installed is a
 * loud error naming what to install, never a silent skip.
 */
import { spawn } from "node:child_process";
import { KineticError } from "../../errors.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTool(
  bin: string,
  args: readonly string[],
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; hint?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const lines = (prefix: string) => {
      let partial = "";
      return (chunk: Buffer) => {
        const text = partial + chunk.toString("utf8");
        const parts = text.split("\n");
        partial = parts.pop() ?? "";
        for (const l of parts) options.log?.(prefix + l);
      };
    };
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stderr.on("data", lines(""));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    child.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === "ENOENT"
          ? new KineticError("failed-precondition", `${bin} is not installed${options.hint ? `: ${options.hint}` : ""}`)
          : e,
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      if (signal === "SIGKILL") options.log?.(`${bin}: killed after ${options.timeoutMs ?? 600_000} ms`);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}
