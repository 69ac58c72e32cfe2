// The data-folder lock: one holder at a time, the holder named, stale locks taken over.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LOCK_FILE, lockDataDir } from "./data-dir-lock.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "kinetic-lock-"));
  dirs.push(d);
  return d;
}

describe("lockDataDir", () => {
  it("refuses while another live process holds the folder, naming it", () => {
    const d = dir();
    // Our parent stands in for the `npm start` already running.
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, startedAt: "2026-01-01T00:00:00Z" }));
    expect(lockDataDir(d)).toMatchObject({
      ok: false,
      holder: { pid: process.ppid, startedAt: "2026-01-01T00:00:00Z" },
    });
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });

  it("writes our pid and removes only its own lock on release", () => {
    const d = dir();
    const lock = lockDataDir(d);
    if (!lock.ok) throw new Error("expected the lock");
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    const again = lockDataDir(d);
    if (!again.ok) throw new Error("expected the lock");
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, startedAt: "x" }));
    again.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });

  it("takes over a lock whose process is gone", () => {
    const d = dir();
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.trim()), startedAt: "x" }));
    const lock = lockDataDir(d);
    expect(lock.ok).toBe(true);
    if (lock.ok) lock.release();
  });

  it("takes over an unreadable lock file", () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), "not json");
    expect(lockDataDir(d).ok).toBe(true);
  });
});
