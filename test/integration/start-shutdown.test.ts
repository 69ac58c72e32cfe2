// `npm start` stops within seconds on the first Ctrl-C even while requests hang: here the Firestore
// emulator is frozen (SIGSTOP), so an API call and the cron's syncJobs call wait on Firestore, and
// Firestore's terminate() would wait for them. Needs the emulators only (KINETIC_TESTBED=off works).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";
import { isAlive } from "../../scripts/lib/processes.ts";

const REPO = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "kinetic-shutdown-test-"));
let groupLeader: number | undefined;
let tree: Array<{ pid: number; cmd: string }> = [];

afterAll(() => {
  // If the test failed, npm start may still run; the emulators have process groups of their own.
  const pids = [...(groupLeader ? [-groupLeader] : []), ...tree.map((p) => p.pid)];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Every live process below `root` with its command line, from /proc. */
function descendants(root: number): Array<{ pid: number; cmd: string }> {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* exited */
    }
  }
  const out: Array<{ pid: number; cmd: string }> = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf)
      if (parent === pid && isAlive(child)) {
        let cmd = "";
        try {
          cmd = readFileSync(`/proc/${child}/cmdline`, "utf8").replaceAll("\0", " ");
        } catch {
          /* exited */
        }
        out.push({ pid: child, cmd });
        walk(child);
      }
  };
  walk(root);
  return out;
}

it(
  "the first Ctrl-C stops npm start within seconds while requests hang on Firestore",
  { timeout: 300_000 },
  async () => {
    const child = spawn("npm", ["start", "--", "--data-dir", dir, "--no-example", "--sync-interval", "1"], {
      cwd: REPO,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FIRESTORE_EMULATOR_HOST: "", PUBSUB_EMULATOR_HOST: "", KINETIC_API_TOKENS: "" },
    });
    groupLeader = child.pid;
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    for (let i = 0; i < 1800 && !/Press Ctrl-C to stop/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/Press Ctrl-C to stop/);
    const url = /API URL:\s+(\S+)/.exec(out)![1]!;
    const token = /API token:\s+(\S+)/.exec(out)![1]!;

    tree = descendants(child.pid!);
    const frozen = tree.find((p) => /java/.test(p.cmd) && /firestore/i.test(p.cmd))?.pid;
    expect(frozen, tree.map((p) => p.cmd).join("\n")).toBeDefined();
    process.kill(frozen!, "SIGSTOP");
    // A call that now waits on Firestore (the SDK retries for minutes); the cron's syncJobs waits too.
    const hanging = fetch(`${url}/jobs?namespace=default`, { headers: { Authorization: `Bearer ${token}` } }).catch(
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 2_000));

    const started = Date.now();
    process.kill(-child.pid!, "SIGINT");
    await exited;
    const tookMs = Date.now() - started;
    expect(tookMs, out).toBeLessThan(15_000);
    expect(out).toMatch(/Stopped\.|forcing exit/);
    await hanging;
    // Nothing is left running, the frozen emulator included.
    for (let i = 0; i < 100 && tree.some((p) => isAlive(p.pid)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(tree.filter((p) => isAlive(p.pid))).toEqual([]);
  },
);
