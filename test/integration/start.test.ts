// `npm start` as a user runs it: a subprocess with its own emulators, data
// folder and ports. Checks the example's printed result and output file, the
// CLI against the local API, and that Ctrl-C leaves no process behind.
import { isAlive } from "../../scripts/lib/processes.ts";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
const started: ChildProcess[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kinetic-start-test-"));
  dirs.push(dir);
  return dir;
}

/** Starts `npm start -- <args>` in its own process group, as a terminal would. */
function npmStart(args: string[]) {
  const child = spawn("npm", ["start", "--", ...args], {
    cwd: REPO,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // No token or emulator of the test run leaks in: npm start must bring its own.
    env: { ...process.env, FIRESTORE_EMULATOR_HOST: "", PUBSUB_EMULATOR_HOST: "", KINETIC_API_TOKENS: "" },
  });
  started.push(child);
  let out = "";
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    /** Resolves with the first match of the pattern in the output; rejects if the process ends first. */
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      const m = out.match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolvePromise, reject) => {
        waiters.push({ pattern, resolve: resolvePromise });
        void exited.then((code) => reject(new Error(`npm start exited (${code}) before printing ${pattern}:\n${out}`)));
      });
    },
  };
}

/** Every live (non-zombie) process below `root`, from /proc. */
function descendants(root: number): Array<{ pid: number; cmd: string }> {
  const parentOf = new Map<number, number>();
  const cmdOf = new Map<number, string>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      parentOf.set(Number(name), Number(fields[1]));
      cmdOf.set(Number(name), readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim());
    } catch {
      /* exited while we looked */
    }
  }
  const out: Array<{ pid: number; cmd: string }> = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        out.push({ pid: child, cmd: cmdOf.get(child) ?? "" });
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** Processes anywhere on the machine whose command line mentions the folder. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || !isAlive(Number(name))) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes(text)) found.push(`${name} ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

afterAll(() => {
  for (const c of started) {
    try {
      if (c.exitCode === null && c.pid) process.kill(-c.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("npm start", () => {
  it(
    "--once runs every example to its end: the job with its output file, build, study and resume",
    { timeout: 300_000 },
    async () => {
      const dir = dataDir();
      const run = npmStart(["--once", "--data-dir", dir]);
      const code = await run.exited;
      const out = run.output();
      expect(code, out).toBe(0);
      // Progress as it happened: state changes and the script's metric lines.
      expect(out).toMatch(/SUBMITTED\s+Created/);
      expect(out).toMatch(/│ epoch=5 loss=\d+\.\d{4}/);
      const final = /Final state: (\w+)/.exec(out);
      expect(final?.[1], out).toBe("SUCCEEDED");
      const output = /Output: (\S+) \(([^)]*)\)/.exec(out);
      expect(output?.[1]).toMatch(new RegExp(`^${dir}/outputs/default/example-train-[0-9a-f]{6}$`));
      // The model, and the checkpoints the script wrote each epoch (KINETIC_CHECKPOINT_DIR, inside the output dir).
      expect(output?.[2]).toBe("checkpoints, model.json");
      const model = JSON.parse(readFileSync(join(output![1]!, "model.json"), "utf8")) as Record<string, number>;
      expect(model.epochs).toBe(5);
      expect(model.w).toBeCloseTo(2, 1);
      expect(model.b).toBeCloseTo(1, 1);
      // The other examples, each to what it shows: one build for two pushes, a study's best trial, a resumed attempt.
      expect(out).toMatch(/ran twice, built once/);
      expect(out).toMatch(/Study example-study-[0-9a-f]{6} SUCCEEDED \(MaxTrialsReached\)\n\s+best: trial /);
      expect(out).toMatch(/resumed from epoch=3/);
      expect(out).toMatch(/SUCCEEDED after 2 attempts/);
      expect(out).toContain("Examples: job, build, study, resume succeeded.");
      expect(out).not.toContain("Exception from a finished function");
      expect(processesMentioning(dir)).toEqual([]);
    },
  );

  it(
    "serves the API for `kinetic jobs list`, and Ctrl-C stops every process it started",
    { timeout: 300_000 },
    async () => {
      const dir = dataDir();
      const run = npmStart(["--data-dir", dir, "--sync-interval", "1"]);
      const [, url] = await run.waitFor(/API URL:\s+(http:\/\/127\.0\.0\.1:\d+)/);
      const [, token] = await run.waitFor(/API token:\s+(\S+)/);
      const jobId = /Published job (example-train-[0-9a-f]{6})/.exec(run.output())?.[1];
      expect(jobId).toBeDefined();

      const cli = spawnSync(process.execPath, [join(REPO, "cli/bin.ts"), "jobs", "list"], {
        cwd: REPO,
        encoding: "utf8",
        env: { ...process.env, KINETIC_API_URL: url, KINETIC_API_TOKEN: token, HOME: dir, NO_COLOR: "1" },
        timeout: 60_000,
      });
      expect(cli.status, cli.stderr + cli.stdout).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(`${jobId}\\s+SUCCEEDED`));

      const tree = descendants(run.child.pid!);
      // The emulators (gcloud → java) are part of what must go away.
      expect(tree.some((p) => /java/.test(p.cmd))).toBe(true);

      process.kill(-run.child.pid!, "SIGINT");
      await run.exited;
      // npm may return before its script has finished cleaning up: wait for the tree to end.
      for (let i = 0; i < 600 && tree.some((p) => isAlive(p.pid)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(tree.filter((p) => isAlive(p.pid))).toEqual([]);
      expect(processesMentioning(dir)).toEqual([]);
      expect(run.output()).toContain("Stopped.");
      await expect(fetch(`${url}/jobs`)).rejects.toThrow();
    },
  );
});
