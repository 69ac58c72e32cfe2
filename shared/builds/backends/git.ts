/**
 * A Git context, checked out at exactly its commit into a scratch directory,
 * so it is read like any directory context (same ignore rules, same key: the
 * same content at another commit or URL is the same image). Only the one
 * commit is fetched when the server allows it; otherwise the refs are
 * fetched and the commit must be among them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildFailure } from "../builder.ts";
import { runTool } from "./run.ts";

export interface Checkout {
  dir: string;
  dispose(): Promise<void>;
}

/** Checks `commit` of `url` out into a new directory; BuildFailure when the commit cannot be had. */
export async function checkoutCommit(
  url: string,
  commit: string,
  log: (line: string) => void = () => {},
): Promise<Checkout> {
  const dir = await mkdtemp(join(tmpdir(), "kinetic-git-"));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const git = async (args: string[]) => {
    const r = await runTool("git", ["-c", "advice.detachedHead=false", ...args], {
      cwd: dir,
      log,
      timeoutMs: 300_000,
      // Never prompt for credentials in a function: a private repository without them fails at once.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
      hint: "building a Git context needs git",
    });
    return r.code === 0;
  };
  try {
    if (!(await git(["init", "--quiet"]))) throw new Error("git init failed");
    const fetched =
      (await git(["fetch", "--quiet", "--depth", "1", url, commit])) ||
      (await git(["fetch", "--quiet", url, "+refs/*:refs/remotes/src/*"]));
    if (!fetched || !(await git(["checkout", "--quiet", "--detach", commit]))) {
      throw new BuildFailure("CommitUnavailable", `commit ${commit} of ${url} could not be fetched`);
    }
    return { dir, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
