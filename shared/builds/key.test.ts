import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KineticError } from "../errors.ts";
import { readDirContext } from "./context.ts";
import { buildKey, isBuildKey, keyDocument, type KeyInputs } from "./key.ts";
import { canonicalRequirements } from "./requirements.ts";

const DIGEST = "sha256:" + "a".repeat(64);
const base: KeyInputs = {
  files: [
    { path: "train.py", mode: 0o644, sha256: "1".repeat(64) },
    { path: "run.sh", mode: 0o755, sha256: "2".repeat(64) },
  ],
  requirements: "numpy==2.1.0\n",
  baseDigest: DIGEST,
  accelerator: "tpu",
  recipe: "crane-layers@1",
};

describe("buildKey: each input that changes the image changes the key", () => {
  const k0 = buildKey(base);
  const cases: Array<[string, Partial<KeyInputs>]> = [
    ["a file's contents", { files: [{ ...base.files[0]!, sha256: "3".repeat(64) }, base.files[1]!] }],
    ["a file's path", { files: [{ ...base.files[0]!, path: "src/train.py" }, base.files[1]!] }],
    ["a file's mode", { files: [{ ...base.files[0]!, mode: 0o755 }, base.files[1]!] }],
    ["a file added", { files: [...base.files, { path: "b.py", mode: 0o644, sha256: "4".repeat(64) }] }],
    ["a file removed", { files: [base.files[0]!] }],
    ["a file turned into a symlink", { files: [{ ...base.files[0]!, mode: 0o120000 }, base.files[1]!] }],
    ["a requirement's version", { requirements: "numpy==2.1.1\n" }],
    ["a requirement added", { requirements: "numpy==2.1.0\nscipy\n" }],
    ["requirements removed", { requirements: undefined }],
    ["a requirement's extras", { requirements: "numpy[dev]==2.1.0\n" }],
    ["a requirement's marker", { requirements: 'numpy==2.1.0; python_version < "3.12"\n' }],
    ["an index option", { requirements: "--index-url https://example.test/simple\nnumpy==2.1.0\n" }],
    ["the base image digest", { baseDigest: "sha256:" + "b".repeat(64) }],
    ["the accelerator category", { accelerator: "gpu" }],
    ["the builder recipe", { recipe: "cloud-build-pip@1" }],
    ["a refresh value", { refresh: "2026-12-02" }],
  ];
  for (const [what, change] of cases) {
    it(what, () => {
      const k = buildKey({ ...base, ...change });
      expect(isBuildKey(k)).toBe(true);
      expect(k).not.toBe(k0);
    });
  }

  it("is 64 hex digits, usable as a tag", () => expect(k0).toMatch(/^[0-9a-f]{64}$/));
});

describe("buildKey: what does not change the image does not change the key", () => {
  const k0 = buildKey(base);
  it("the order files are listed in", () => {
    expect(buildKey({ ...base, files: [...base.files].reverse() })).toBe(k0);
  });
  it("comments, blank lines, spacing, order, continuation and name spelling in requirements", () => {
    const a = "numpy==2.1.0\nscipy>=1.13 ; python_version >= '3.10'\n--index-url https://x.test/simple\nFoo_Bar\n";
    const b = [
      "# pinned for reproducibility",
      "--index-url https://x.test/simple   # mirror",
      "",
      "foo-bar",
      "scipy >= 1.13;   python_version >= '3.10'",
      "num\\",
      "py == 2.1.0",
      "numpy==2.1.0",
    ].join("\r\n");
    expect(canonicalRequirements(b)).toEqual(canonicalRequirements(a));
    expect(buildKey({ ...base, requirements: b })).toBe(buildKey({ ...base, requirements: a }));
  });
  it("an empty requirements text is no requirements", () => {
    expect(buildKey({ ...base, requirements: "\n# nothing\n" })).toBe(buildKey({ ...base, requirements: undefined }));
  });
  it("a URL fragment is not a comment", () => {
    expect(canonicalRequirements("pkg @ https://x.test/p.zip#sha256=ab").requirements).toEqual([
      "pkg@https://x.test/p.zip#sha256=ab",
    ]);
  });
});

describe("keyDocument", () => {
  it("refuses a tag where a digest belongs, and a path listed twice", () => {
    expect(() => keyDocument({ ...base, baseDigest: "latest" })).toThrow(KineticError);
    expect(() => keyDocument({ ...base, files: [base.files[0]!, base.files[0]!] })).toThrow(/twice/);
  });
});

describe("the key of a directory context", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function makeContext(files: Record<string, string>, order: string[] = Object.keys(files)): string {
    const root = mkdtempSync(join(tmpdir(), "kinetic-ctx-"));
    dirs.push(root);
    for (const name of order) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), files[name]!);
    }
    return root;
  }
  async function keyOf(root: string, extra: Partial<KeyInputs> = {}) {
    const set = await readDirContext(root);
    return buildKey({ ...base, files: set.files, ...extra });
  }

  const files = { "train.py": "print('hi')\n", "pkg/model.py": "W = 1\n", "run.sh": "#!/bin/sh\n" };

  it("ignores creation order, mtimes and ignored files; the ignore file itself is not content", async () => {
    const a = makeContext(files);
    const b = makeContext(files, Object.keys(files).reverse());
    utimesSync(join(b, "train.py"), new Date("2001-01-01"), new Date("2001-01-01"));
    writeFileSync(join(b, ".kineticignore"), "# local junk\ndata/\n*.ckpt\n");
    mkdirSync(join(b, "data"));
    writeFileSync(join(b, "data", "big.bin"), "x".repeat(1000));
    writeFileSync(join(b, "model.ckpt"), "weights");
    writeFileSync(join(b, ".env"), "TOKEN=secret"); // a default exclude
    mkdirSync(join(b, ".git"));
    writeFileSync(join(b, ".git", "HEAD"), "ref: refs/heads/main\n");
    const set = await readDirContext(b);
    expect(set.files.map((f) => f.path)).toEqual(["pkg/model.py", "run.sh", "train.py"]);
    expect(set.ignored).toBeGreaterThanOrEqual(5);
    expect(await keyOf(b)).toBe(await keyOf(a));
  });

  it("sees content, mode and symlink changes", async () => {
    const a = makeContext(files);
    const k0 = await keyOf(a);
    chmodSync(join(a, "run.sh"), 0o755);
    const k1 = await keyOf(a);
    expect(k1).not.toBe(k0);
    writeFileSync(join(a, "train.py"), "print('bye')\n");
    const k2 = await keyOf(a);
    expect(k2).not.toBe(k1);
    symlinkSync("train.py", join(a, "main.py"));
    const set = await readDirContext(a);
    expect(set.files.find((f) => f.path === "main.py")).toMatchObject({ mode: 0o120000, size: 0 });
    expect(await keyOf(a)).not.toBe(k2);
  });

  it("refuses a context over its size or file limit, and a missing directory", async () => {
    const a = makeContext({ "a.bin": "x".repeat(2048), "b.txt": "b" });
    await expect(readDirContext(a, { maxBytes: 1024 })).rejects.toMatchObject({ code: "payload-too-large" });
    await expect(readDirContext(a, { maxFiles: 1 })).rejects.toMatchObject({ code: "payload-too-large" });
    await expect(readDirContext(join(a, "nope"))).rejects.toMatchObject({ code: "invalid-argument" });
  });
});
