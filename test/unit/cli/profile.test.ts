/**
 * `kinetic profile …` as a user runs it (subprocess, temporary HOME, no
 * terminal): every command, every error path, the store's file contract, and
 * concurrent writers.
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sandbox, type Sandbox } from "./helpers.ts";

// Real subprocesses on a shared 2-core machine: generous limits; no assertion depends on time.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const fields = (project: string, zone = "us-central1-a", cluster = "kinetic", namespace = "default") => [
  "--project",
  project,
  "--zone",
  zone,
  "--cluster",
  cluster,
  "--namespace",
  namespace,
];

async function create(name: string, project: string, ...rest: string[]) {
  const r = await sb.run(["profile", "create", name, ...fields(project), ...rest]);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("profile create", () => {
  it("writes the store in the documented shape, mode 0600, and makes the first profile active", async () => {
    const r = await create("dev-tpu", "tpu-proj", "--api-url", "https://example.com/api");
    expect(r.stdout).toContain("Created profile dev-tpu (active");
    expect(await sb.readProfiles()).toEqual({
      current: "dev-tpu",
      profiles: {
        "dev-tpu": {
          project: "tpu-proj",
          zone: "us-central1-a",
          cluster: "kinetic",
          namespace: "default",
          apiUrl: "https://example.com/api",
        },
      },
    });
    expect((await stat(sb.profilesFile)).mode & 0o777).toBe(0o600);

    const second = await create("team-gpu", "gpu-proj");
    expect(second.stdout).toContain("kinetic profile use team-gpu");
    const store = (await sb.readProfiles()) as { current: string; profiles: Record<string, unknown> };
    expect(store.current).toBe("dev-tpu");
    expect(Object.keys(store.profiles).sort()).toEqual(["dev-tpu", "team-gpu"]);
  });

  it("fills fields not given as flags from KINETIC_* env vars", async () => {
    const r = await sb.run(["profile", "create", "envy", "--zone", "us-east5-b"], {
      KINETIC_PROJECT: "env-proj",
      KINETIC_ZONE: "europe-west4-a",
      KINETIC_CLUSTER: "env-cluster",
      KINETIC_NAMESPACE: "env-ns",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await sb.readProfiles()).toMatchObject({
      profiles: { envy: { project: "env-proj", zone: "us-east5-b", cluster: "env-cluster", namespace: "env-ns" } },
    });
  });

  it("without a terminal, names every missing field and writes nothing", async () => {
    const r = await sb.run(["profile", "create", "--project", "some-proj"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing name, zone, cluster for the new profile (no terminal to prompt on)");
    expect(r.stderr).toContain("  - zone: required");
    await expect(stat(sb.profilesFile)).rejects.toThrow(/ENOENT/);
  });

  it('without a terminal, the namespace defaults to "default" (the documented example, verbatim)', async () => {
    const r = await sb.run([
      "profile",
      "create",
      "dev-tpu",
      "--project",
      "my-ml-dev",
      "--zone",
      "us-central2-b",
      "--cluster",
      "dev-tpu",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await sb.readProfiles()).toEqual({
      current: "dev-tpu",
      profiles: {
        "dev-tpu": { project: "my-ml-dev", zone: "us-central2-b", cluster: "dev-tpu", namespace: "default" },
      },
    });
    // An env var still beats the default.
    const env = await sb.run(["profile", "create", "other", ...fields("my-ml-dev").slice(0, 6)], {
      KINETIC_NAMESPACE: "ml",
    });
    expect(env.code, env.stderr).toBe(0);
    expect(await sb.readProfiles()).toMatchObject({ profiles: { other: { namespace: "ml" } } });
  });

  it("validates the name and every field, naming the one that is wrong", async () => {
    const badName = await sb.run(["profile", "create", "../etc", ...fields("good-proj")]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('invalid profile name "../etc"');

    const badZone = await sb.run(["profile", "create", "p1", ...fields("good-proj", "mars")]);
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toContain('invalid zone "mars" (from flag --zone)');

    const badEnv = await sb.run(["profile", "create", "p1", "--project", "good-proj"], {
      KINETIC_ZONE: "us-central1-a",
      KINETIC_CLUSTER: "Bad_Cluster",
      KINETIC_NAMESPACE: "ns",
    });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('invalid cluster "Bad_Cluster" (from env KINETIC_CLUSTER)');
    await expect(stat(sb.profilesFile)).rejects.toThrow(/ENOENT/);
  });

  it("refuses to replace an existing profile", async () => {
    await create("dev", "first-proj");
    const r = await sb.run(["profile", "create", "dev", ...fields("second-proj")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('profile "dev" already exists');
    expect(await sb.readProfiles()).toMatchObject({ profiles: { dev: { project: "first-proj" } } });
  });

  it("ten concurrent creates leave a valid file holding all ten profiles", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sb.run(["profile", "create", `p${i}`, ...fields(`proj-${i}00`)])),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const store = (await sb.readProfiles()) as { current: string; profiles: Record<string, { project: string }> };
    expect(Object.keys(store.profiles).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`).sort());
    for (let i = 0; i < 10; i++) expect(store.profiles[`p${i}`]!.project).toBe(`proj-${i}00`);
    // Exactly one of them was first, and it is the active one.
    expect(results.filter((r) => r.stdout.includes("(active")).length).toBe(1);
    expect(Object.keys(store.profiles)).toContain(store.current);
    // No lock or temp files are left behind.
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(dirname(sb.profilesFile))).toEqual(["profiles.json"]);
  });
});

describe("profile ls / use / show / rm", () => {
  beforeEach(async () => {
    await create("dev-tpu", "tpu-proj", "--zone", "us-east5-b");
    await create("team-gpu", "gpu-proj");
  });

  it("ls marks the effective profile with *", async () => {
    const r = await sb.run(["profile", "ls"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\s+NAME\s+PROJECT\s+ZONE\s+CLUSTER\s+NAMESPACE$/);
    expect(lines.find((l) => l.includes("dev-tpu"))).toMatch(/^\*\s+dev-tpu\s+tpu-proj\s+us-east5-b/);
    expect(lines.find((l) => l.includes("team-gpu"))).toMatch(/^\s+team-gpu/);
    expect(r.stdout).not.toContain("Active profile:");
  });

  it("ls says when --profile or KINETIC_PROFILE overrides the stored profile", async () => {
    const flag = await sb.run(["--profile", "team-gpu", "profile", "ls"]);
    expect(flag.stdout).toMatch(/^\*\s+team-gpu/m);
    expect(flag.stdout).toContain("Active profile: team-gpu (override; stored: dev-tpu)");
    const env = await sb.run(["profile", "ls"], { KINETIC_PROFILE: "team-gpu" });
    expect(env.stdout).toContain("Active profile: team-gpu (override; stored: dev-tpu)");
    const json = JSON.parse((await sb.run(["profile", "ls", "--json"], { KINETIC_PROFILE: "team-gpu" })).stdout);
    expect(json).toMatchObject({ current: "dev-tpu", effective: "team-gpu", override: true });
  });

  it("use sets the stored profile; an unknown name is an error with suggestions", async () => {
    const r = await sb.run(["profile", "use", "team-gpu"]);
    expect(r.code).toBe(0);
    expect(await sb.readProfiles()).toMatchObject({ current: "team-gpu" });
    const missing = await sb.run(["profile", "use", "team-gpux"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('profile "team-gpux" not found');
    expect(missing.stderr).toContain('did you mean "team-gpu"?');
    expect(await sb.readProfiles()).toMatchObject({ current: "team-gpu" });
  });

  it("show prints the active profile, or the named one", async () => {
    const active = await sb.run(["profile", "show"]);
    expect(active.stdout).toMatch(/name:\s+dev-tpu/);
    expect(active.stdout).toMatch(/zone:\s+us-east5-b/);
    const named = JSON.parse((await sb.run(["profile", "show", "team-gpu", "--json"])).stdout);
    expect(named).toEqual({
      name: "team-gpu",
      project: "gpu-proj",
      zone: "us-central1-a",
      cluster: "kinetic",
      namespace: "default",
      active: false,
    });
    const missing = await sb.run(["profile", "show", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('profile "nope" not found');
  });

  it("rm asks first: without a terminal and without --yes it refuses and changes nothing", async () => {
    const before = await readFile(sb.profilesFile, "utf8");
    const r = await sb.run(["profile", "rm", "team-gpu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("without confirmation");
    expect(r.stderr).toContain("--yes");
    expect(await readFile(sb.profilesFile, "utf8")).toBe(before);
  });

  it("rm --yes of the active profile leaves none active, with no fallback", async () => {
    const r = await sb.run(["profile", "rm", "dev-tpu", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No profile is active now");
    expect(await sb.readProfiles()).toEqual({
      current: null,
      profiles: {
        "team-gpu": { project: "gpu-proj", zone: "us-central1-a", cluster: "kinetic", namespace: "default" },
      },
    });
    const show = await sb.run(["profile", "show"]);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain("no profile is active");
    const ls = await sb.run(["profile", "ls"]);
    expect(ls.stdout).not.toMatch(/^\*/m);
    const cfg = JSON.parse((await sb.run(["config", "show", "--json"])).stdout);
    expect(cfg.profile.value).toBeNull();
    expect(cfg.project.value).toBeNull();
    const again = await sb.run(["profile", "rm", "dev-tpu", "--yes"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('profile "dev-tpu" not found');
  });

  it("rm of another profile keeps the active one", async () => {
    expect((await sb.run(["profile", "rm", "team-gpu", "-y"])).code).toBe(0);
    expect(await sb.readProfiles()).toMatchObject({ current: "dev-tpu" });
  });
});

describe("--profile placement", () => {
  it("after the subcommand it is an error that says to put it first", async () => {
    for (const args of [
      ["jobs", "list", "--profile", "dev"],
      ["profile", "ls", "--profile=dev"],
      ["config", "show", "--profile", "dev"],
    ]) {
      const r = await sb.run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("--profile is a global flag and goes before the subcommand");
      expect(r.stderr).toContain(`kinetic --profile dev ${args[0]}`);
    }
  });

  it("any other global flag after the subcommand gets the same advice", async () => {
    const r = await sb.run(["jobs", "status", "j1", "--zone", "us-east5-b"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--zone'");
    expect(r.stderr).toContain("--zone is a global flag: put it before the subcommand");
  });

  it("before the subcommand it works, even after other global flags", async () => {
    await create("dev", "dev-proj1");
    const r = await sb.run(["--zone", "us-east1-d", "--profile", "dev", "config", "show", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).project).toMatchObject({ value: "dev-proj1", source: "profile dev" });
  });
});

describe("a corrupt or hand-broken profiles file", () => {
  const broken = '{"current": "dev", "profiles": {"dev": {"project": "p"'; // truncated by hand

  async function writeBroken(text: string) {
    await mkdir(dirname(sb.profilesFile), { recursive: true });
    await writeFile(sb.profilesFile, text);
  }

  it("is a clear error for every command, and the file is never rewritten", async () => {
    await writeBroken(broken);
    for (const args of [
      ["config", "show"],
      ["profile", "ls"],
      ["profile", "show"],
      ["profile", "use", "dev"],
      ["profile", "rm", "dev", "--yes"],
      ["profile", "create", "fresh", ...fields("fresh-proj")],
      ["jobs", "list"],
    ]) {
      const r = await sb.run(args, { KINETIC_PROJECT: "some-proj", KINETIC_API_TOKEN: "t" });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(`profiles file ${sb.profilesFile} is not valid JSON`);
      expect(r.stderr).toContain("never overwrites a broken profiles file");
      expect(await readFile(sb.profilesFile, "utf8")).toBe(broken);
    }
  });

  it("a valid JSON file with a broken shape names the bad fields", async () => {
    const text = JSON.stringify({
      current: "ghost",
      profiles: { dev: { project: "dev-proj", zone: "nowhere", cluster: "c" } },
    });
    await writeBroken(text);
    const r = await sb.run(["profile", "ls"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("has an invalid shape");
    expect(r.stderr).toMatch(/profiles\.dev\.zone: "nowhere": expected a Compute Engine zone/);
    expect(r.stderr).toMatch(/profiles\.dev\.namespace: /);
    expect(r.stderr).toContain('current: names profile "ghost"');
    expect(await readFile(sb.profilesFile, "utf8")).toBe(text);
  });
});
