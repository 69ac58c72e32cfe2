// readCommitFiles on real repositories on disk: a server that takes blob filters (as GitHub and GitLab do) and
// one that does not, files present and absent, in folders, and a commit that is not there.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCommitFiles } from "./git-files.ts";
import { gitIn } from "./build-test-kit.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(files: Record<string, string>, config: string[][] = []): { url: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-git-files-test-"));
  dirs.push(dir);
  const git = (...args: string[]) => gitIn(dir, ...args);
  git("init", "--quiet");
  for (const [k, v] of config) git("config", k!, v!);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git("add", "-A");
  git("commit", "--quiet", "-m", "c");
  return { url: `file://${dir}`, commit: git("rev-parse", "HEAD") };
}

const FILES = {
  "model/kinetic.jobs.yaml": "jobs: []\n",
  "requirements.txt": "numpy\n",
  "data/big.bin": "x".repeat(100_000),
};

describe("readCommitFiles", () => {
  for (const [server, config] of [
    [
      "a server that takes blob filters",
      [
        ["uploadpack.allowFilter", "true"],
        ["uploadpack.allowAnySHA1InWant", "true"],
      ],
    ],
    ["a plain server", []],
  ] as const) {
    it(`reads the named files of the commit, and answers undefined for absent ones (${server})`, async () => {
      const { url, commit } = repo(
        FILES,
        config.map((c) => [...c]),
      );
      const got = await readCommitFiles(url, commit, [
        "model/kinetic.jobs.yaml",
        "requirements.txt",
        "kinetic.jobs.yaml",
      ]);
      expect(Object.fromEntries(got)).toEqual({
        "model/kinetic.jobs.yaml": "jobs: []\n",
        "requirements.txt": "numpy\n",
        "kinetic.jobs.yaml": undefined,
      });
    });
  }

  it("a commit that is not there is CommitUnavailable", async () => {
    const { url } = repo({ "a.txt": "a" });
    await expect(readCommitFiles(url, "f".repeat(40), ["a.txt"])).rejects.toMatchObject({
      name: "BuildFailure",
      reason: "CommitUnavailable",
    });
  });
});
