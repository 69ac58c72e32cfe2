/**
 * A few files of one commit, without checking the commit out: what a push
 * hook needs (the job file, the requirements) before it answers, within the
 * forge's 10 s. Only the commit's trees are fetched (`--filter=blob:none`,
 * depth 1), then the blobs of just these paths, on demand. A server that
 * does not take filters (a plain file:// remote) sends the commit whole,
 * which still works.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuildFailure } from "./builder.ts";
import { runTool } from "./backends/run.ts";

/** path → its text at the commit, or undefined when the commit has no such file. */
export async function readCommitFiles(
  url: string,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string | undefined>> {
  const dir = await mkdtemp(join(tmpdir(), "kinetic-git-files-"));
  const git = (args: string[]) =>
    runTool("git", ["-c", "advice.detachedHead=false", "-c", "fetch.negotiationAlgorithm=noop", ...args], {
      cwd: dir,
      timeoutMs: 60_000,
      // Never prompt for credentials in a function: a private repository without them fails at once.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
      hint: "reading a pushed commit needs git",
    });
  try {
    await git(["init", "--quiet"]);
    await git(["remote", "add", "origin", url]);
    const fetched =
      (await git(["fetch", "--quiet", "--depth", "1", "--filter=blob:none", "origin", commit])).code === 0 ||
      (await git(["fetch", "--quiet", "--filter=blob:none", "origin", "+refs/*:refs/remotes/src/*"])).code === 0;
    if (!fetched || (await git(["cat-file", "-e", `${commit}^{commit}`])).code !== 0) {
      throw new BuildFailure("CommitUnavailable", `commit ${commit} of ${url} could not be fetched`);
    }
    const out = new Map<string, string | undefined>();
    for (const path of paths) {
      // The tree is here: whether the file exists costs no request; its blob is fetched only if it does.
      const listed = await git(["ls-tree", "--name-only", commit, "--", path]);
      if (listed.code !== 0 || listed.stdout.trim() !== path) {
        out.set(path, undefined);
        continue;
      }
      const blob = await git(["cat-file", "blob", `${commit}:${path}`]);
      if (blob.code !== 0) throw new Error(`git could not read ${path} of commit ${commit}: ${blob.stderr.trim()}`);
      out.set(path, blob.stdout);
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
