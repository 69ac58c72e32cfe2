/**
 * `profile create` and `profile rm` on a real pseudo-terminal: tmux runs the
 * CLI, the test reads the screen and types the answers like a person would.
 */
import { execFileSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startApiTestDouble } from "./api-test-double.ts";
import { BIN, sandbox, type Sandbox } from "./helpers.ts";

// Real subprocesses on a shared 2-core machine: generous limits; no assertion depends on time.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const hasTmux = (() => {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

// A private tmux server per test (own socket) so tests never touch a user's
// sessions, nor a server the previous test is still shutting down.
let socket = "";
let serial = 0;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", "cli", "-S", "-50");

/** Waits until the screen matches (polling; the test timeout is the only limit). */
async function waitFor(pattern: RegExp): Promise<string> {
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function keys(...k: string[]) {
  tmux("send-keys", "-t", "cli", ...k);
}

let sb: Sandbox;
beforeEach(async () => {
  socket = `kinetic-cli-test-${process.pid}-${++serial}`;
  sb = await sandbox();
});
afterEach(async () => {
  try {
    tmux("kill-server");
  } catch {
    // server already gone
  }
  // tmux leaves its socket files behind; remove this test's ones.
  const dir = join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`);
  const base = socket.replace(/-again$/, "");
  await Promise.all([base, `${base}-again`].map((name) => rm(join(dir, name), { force: true })));
  await sb.cleanup();
});

async function startCli(args: string[], env: Record<string, string> = {}) {
  const script = join(sb.home, "run.sh");
  const envs = Object.entries({ ...sb.env, ...env })
    .map(([k, v]) => `${k}='${v}'`)
    .join(" ");
  await writeFile(
    script,
    `env -i ${envs} '${process.execPath}' '${BIN}' ${args.join(" ")}\necho "KINETIC_EXIT=$?"\nsleep 600\n`,
  );
  tmux("new-session", "-d", "-s", "cli", "-x", "160", "-y", "50", `sh '${script}'`);
}

describe.skipIf(!hasTmux)("on a terminal (tmux)", () => {
  it(
    "profile create asks for the name and every missing field, with defaults and validation",
    { timeout: 60_000 },
    async () => {
      await startCli(["profile", "create"], { FAKE_GCLOUD_PROJECT: "gcloud-proj" });
      await waitFor(/Profile name:/);
      keys("-l", "pty-dev");
      keys("Enter");
      // The project prompt offers gcloud's project as its default; Enter accepts it.
      await waitFor(/Project:.*gcloud-proj/);
      keys("Enter");
      await waitFor(/Zone:.*us-central1-a/);
      keys("-l", "europe-west4-a");
      keys("Enter");
      await waitFor(/Cluster:.*kinetic/);
      keys("Enter");
      await waitFor(/Namespace:/);
      keys("-l", "Bad_NS");
      keys("Enter");
      await waitFor(/expected a Kubernetes namespace/);
      for (let i = 0; i < 6; i++) keys("BSpace");
      keys("-l", "ml-team");
      keys("Enter");
      const done = await waitFor(/KINETIC_EXIT=\d+/);
      expect(done).toContain("KINETIC_EXIT=0");
      expect(done).toContain("Created profile pty-dev (active");
      expect(await sb.readProfiles()).toEqual({
        current: "pty-dev",
        profiles: {
          "pty-dev": { project: "gcloud-proj", zone: "europe-west4-a", cluster: "kinetic", namespace: "ml-team" },
        },
      });
    },
  );

  it("profile create prompts only for what flags and env vars left out", { timeout: 60_000 }, async () => {
    await startCli(["profile", "create", "half", "--project", "flag-proj"], { KINETIC_ZONE: "us-east5-b" });
    const first = await waitFor(/Cluster:/);
    expect(first).not.toMatch(/Project:|Zone:|Profile name:/);
    keys("-l", "c2");
    keys("Enter");
    await waitFor(/Namespace:/);
    keys("Enter");
    expect(await waitFor(/KINETIC_EXIT=\d+/)).toContain("KINETIC_EXIT=0");
    expect(await sb.readProfiles()).toMatchObject({
      profiles: { half: { project: "flag-proj", zone: "us-east5-b", cluster: "c2", namespace: "default" } },
    });
  });

  it("profile rm asks for confirmation; 'n' keeps the profile, 'y' removes it", { timeout: 60_000 }, async () => {
    const create = await sb.run([
      "profile",
      "create",
      "gone",
      "--project",
      "gone-proj",
      "--zone",
      "us-central1-a",
      "--cluster",
      "k",
      "--namespace",
      "n",
    ]);
    expect(create.code, create.stderr).toBe(0);

    await startCli(["profile", "rm", "gone"]);
    await waitFor(/Remove profile gone\?/);
    keys("-l", "n");
    keys("Enter");
    expect(await waitFor(/KINETIC_EXIT=\d+/)).toContain("Kept.");
    expect(await sb.readProfiles()).toMatchObject({ current: "gone" });
    tmux("kill-server");
    socket += "-again"; // a fresh server, not the one that is shutting down

    await startCli(["profile", "rm", "gone"]);
    await waitFor(/Remove profile gone\?/);
    keys("-l", "y");
    keys("Enter");
    const done = await waitFor(/KINETIC_EXIT=\d+/);
    expect(done).toContain("KINETIC_EXIT=0");
    expect(done).toContain("No profile is active now");
    expect(await sb.readProfiles()).toEqual({ current: null, profiles: {} });
  });

  it("jobs submit --wait shows a spinner while it waits, and clears it", async () => {
    const api = await startApiTestDouble();
    try {
      const spec = join(sb.home, "job.yaml");
      await writeFile(spec, "id: slow-1\nimage: img:slow\naccelerator: cpu\n");
      await startCli(["jobs", "submit", "-f", spec, "--wait"], {
        KINETIC_API_URL: api.url,
        KINETIC_API_TOKEN: "t",
        KINETIC_PROJECT: "pty-proj",
      });
      // The spinner line names the job and its current state while the job runs.
      await waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] job slow-1: RUNNING/);
      const done = await waitFor(/KINETIC_EXIT=\d+/);
      expect(done).toContain("Job slow-1 ended: SUCCEEDED");
      expect(done).toContain("KINETIC_EXIT=0");
      expect(done).not.toMatch(/job slow-1: RUNNING/);
    } finally {
      await api.close();
    }
  });
});
