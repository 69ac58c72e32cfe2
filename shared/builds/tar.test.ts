import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeLayerTar, type LayerEntry } from "./tar.ts";

const dir = mkdtempSync(join(tmpdir(), "kinetic-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeLayerTar", () => {
  writeFileSync(join(dir, "src.py"), "print('x')\n");
  const long = "deep/" + "very-long-directory-name/".repeat(6) + "file-with-a-long-name.py";
  const entries: LayerEntry[] = [
    { path: "b/run.sh", kind: "bytes", mode: 0o755, data: Buffer.from("#!/bin/sh\necho hi\n") },
    { path: "a.py", kind: "file", mode: 0o644, size: 11, abs: join(dir, "src.py") },
    { path: "link", kind: "symlink", target: "a.py" },
    { path: long, kind: "bytes", mode: 0o644, data: Buffer.from("x") },
  ];

  it("is byte-for-byte the same whatever the entry order, and tar reads it back", async () => {
    const one = join(dir, "one.tar");
    const two = join(dir, "two.tar");
    await writeLayerTar(one, entries, "workspace");
    await writeLayerTar(two, [...entries].reverse(), "/workspace/");
    expect(readFileSync(one).equals(readFileSync(two))).toBe(true);
    const listing = execFileSync("tar", ["-tvf", one, "--numeric-owner"], { encoding: "utf8" });
    expect(listing).toMatch(/^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 workspace\/$/m);
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 +18 1970-01-01 00:00 workspace\/b\/run\.sh/);
    expect(listing).toMatch(/-rw-r--r-- 0\/0 +11 1970-01-01 00:00 workspace\/a\.py/);
    expect(listing).toMatch(/workspace\/link -> a\.py/);
    expect(listing).toContain(`workspace/${long}`);
    const out = mkdtempSync(join(dir, "x-"));
    execFileSync("tar", ["-xf", one, "-C", out]);
    expect(readFileSync(join(out, "workspace", "a.py"), "utf8")).toBe("print('x')\n");
    expect(readFileSync(join(out, "workspace", long), "utf8")).toBe("x");
  });

  it("refuses a file whose size changed since it was listed", async () => {
    const bad: LayerEntry[] = [{ path: "a.py", kind: "file", mode: 0o644, size: 5, abs: join(dir, "src.py") }];
    await expect(writeLayerTar(join(dir, "bad.tar"), bad)).rejects.toMatchObject({ code: "failed-precondition" });
  });
});
