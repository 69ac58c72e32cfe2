/**
 * Every setting through every layer, observed the way a user sees it:
 * `kinetic config show --json` run as a subprocess with a temporary HOME.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sandbox, shown, type Sandbox } from "./helpers.ts";

// Real subprocesses on a shared 2-core machine: generous limits; no assertion depends on time.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// Three distinct valid values per setting; profile values only for settings a profile can hold.
const V = {
  project: { flag: "proj-flag", env: "proj-env", profile: "proj-profile" },
  zone: { flag: "europe-west4-a", env: "us-east5-b", profile: "asia-northeast1-b" },
  cluster: { flag: "c-flag", env: "c-env", profile: "c-profile" },
  namespace: { flag: "ns-flag", env: "ns-env", profile: "ns-profile" },
  outputDir: { flag: "gs://out-flag/runs", env: "gs://out-env/runs" },
  baseImageRepo: { flag: "europe-docker.pkg.dev/p-flag/img", env: "us-docker.pkg.dev/p-env/img" },
  reservation: { flag: "res-flag", env: "res-env" },
  logLevel: { flag: "DEBUG", env: "ERROR" },
  debugWaitTimeout: { flag: "90s", env: "2m" },
  apiUrl: {
    flag: "http://127.0.0.1:9/flag",
    env: "https://env.example.com/api",
    profile: "https://profile.example.com/api",
  },
} as const;
type Key = keyof typeof V;
const KEYS = Object.keys(V) as Key[];
const PROFILE_KEYS = KEYS.filter((k) => "profile" in V[k]);
const FLAG: Record<Key, string> = {
  project: "--project",
  zone: "--zone",
  cluster: "--cluster",
  namespace: "--namespace",
  outputDir: "--output-dir",
  baseImageRepo: "--base-image-repo",
  reservation: "--reservation",
  logLevel: "--log-level",
  debugWaitTimeout: "--debug-wait-timeout",
  apiUrl: "--api-url",
};
const ENV: Record<Key, string> = {
  project: "KINETIC_PROJECT",
  zone: "KINETIC_ZONE",
  cluster: "KINETIC_CLUSTER",
  namespace: "KINETIC_NAMESPACE",
  outputDir: "KINETIC_OUTPUT_DIR",
  baseImageRepo: "KINETIC_BASE_IMAGE_REPO",
  reservation: "KINETIC_RESERVATION",
  logLevel: "KINETIC_LOG_LEVEL",
  debugWaitTimeout: "KINETIC_DEBUG_WAIT_TIMEOUT",
  apiUrl: "KINETIC_API_URL",
};
/** What config show reports for a raw value (durations become seconds). */
const expected = (key: Key, raw: string): unknown =>
  key === "debugWaitTimeout" ? ({ "90s": 90, "2m": 120 } as Record<string, number>)[raw] : raw;

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function writeStore(path: string, store: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(store));
}

const devProfile = {
  project: V.project.profile,
  zone: V.zone.profile,
  cluster: V.cluster.profile,
  namespace: V.namespace.profile,
  apiUrl: V.apiUrl.profile,
};

const allEnv = () => Object.fromEntries(KEYS.map((k) => [ENV[k], V[k].env]));
const allFlags = () => KEYS.flatMap((k) => [FLAG[k], V[k].flag]);

describe("config show: precedence for every setting", () => {
  it("uses the built-in defaults when nothing is set (project has none)", async () => {
    const s = shown(await sb.run(["config", "show", "--json"]));
    expect(s.project).toMatchObject({ value: null, sourceKind: "unset" });
    expect(s.zone).toMatchObject({ value: "us-central1-a", source: "default" });
    expect(s.cluster).toMatchObject({ value: "kinetic", source: "default" });
    expect(s.namespace).toMatchObject({ value: "default", source: "default" });
    expect(s.reservation).toMatchObject({ value: null, sourceKind: "unset" });
    expect(s.logLevel).toMatchObject({ value: "INFO", source: "default" });
    expect(s.debugWaitTimeout).toMatchObject({ value: 600, source: "default" });
    // Derived defaults need a project.
    for (const k of ["outputDir", "baseImageRepo", "apiUrl", "stateBucket", "stackName"])
      expect(s[k]!.value).toBeNull();
    expect(s.profile).toMatchObject({ value: null, sourceKind: "unset" });
  });

  it("derives outputDir, baseImageRepo, apiUrl, state bucket and stack name from project, zone and cluster", async () => {
    const s = shown(
      await sb.run(["config", "show", "--json"], {
        KINETIC_PROJECT: "my-proj",
        KINETIC_ZONE: "europe-west4-a",
        KINETIC_CLUSTER: "tpu1",
      }),
    );
    // Every cluster has its own deployment: kinetic-{tag}-… (the tag is the cluster name when it is short).
    expect(s.outputDir).toMatchObject({ value: "gs://my-proj-kinetic-tpu1-outputs", source: "default" });
    expect(s.baseImageRepo).toMatchObject({
      value: "europe-west4-docker.pkg.dev/my-proj/kinetic-tpu1",
      source: "default",
    });
    expect(s.apiUrl).toMatchObject({
      value: "https://europe-west4-my-proj.cloudfunctions.net/kinetic-tpu1-api",
      source: "default",
    });
    expect(s.stateBucket!.value).toBe("gs://my-proj-kinetic-state");
    expect(s.stackName!.value).toBe("my-proj-tpu1");
  });

  it("takes project, zone, cluster, namespace and apiUrl from the active profile", async () => {
    await writeStore(sb.profilesFile, { current: "dev", profiles: { dev: devProfile } });
    const s = shown(await sb.run(["config", "show", "--json"]));
    for (const k of PROFILE_KEYS)
      expect(s[k], k).toMatchObject({ value: devProfile[k as keyof typeof devProfile], source: "profile dev" });
    for (const k of KEYS.filter((k) => !PROFILE_KEYS.includes(k)))
      expect(s[k]!.sourceKind, k).toBe(k === "reservation" ? "unset" : "default");
    expect(s.profile).toMatchObject({ value: "dev", sourceKind: "stored" });
    expect(s.stackName!.value).toBe("proj-profile-c-profile");
  });

  it("env vars beat the profile for every setting", async () => {
    await writeStore(sb.profilesFile, { current: "dev", profiles: { dev: devProfile } });
    const s = shown(await sb.run(["config", "show", "--json"], allEnv()));
    for (const k of KEYS) expect(s[k], k).toMatchObject({ value: expected(k, V[k].env), source: `env ${ENV[k]}` });
  });

  it("flags beat env vars and the profile for every setting", async () => {
    await writeStore(sb.profilesFile, { current: "dev", profiles: { dev: devProfile } });
    const s = shown(await sb.run([...allFlags(), "config", "show", "--json"], allEnv()));
    for (const k of KEYS) expect(s[k], k).toMatchObject({ value: expected(k, V[k].flag), source: `flag ${FLAG[k]}` });
  });

  it("resolves each setting independently: one run can mix all four layers", async () => {
    await writeStore(sb.profilesFile, { current: "dev", profiles: { dev: devProfile } });
    const s = shown(
      await sb.run(["--zone", V.zone.flag, "--log-level", "debug", "config", "show", "--json"], {
        KINETIC_CLUSTER: V.cluster.env,
        KINETIC_DEBUG_WAIT_TIMEOUT: "1h30m",
      }),
    );
    expect(s.zone).toMatchObject({ value: V.zone.flag, source: "flag --zone" });
    expect(s.logLevel).toMatchObject({ value: "DEBUG", source: "flag --log-level" });
    expect(s.cluster).toMatchObject({ value: V.cluster.env, source: "env KINETIC_CLUSTER" });
    expect(s.debugWaitTimeout).toMatchObject({ value: 5400, source: "env KINETIC_DEBUG_WAIT_TIMEOUT" });
    expect(s.project).toMatchObject({ value: V.project.profile, source: "profile dev" });
    expect(s.namespace).toMatchObject({ value: V.namespace.profile, source: "profile dev" });
    expect(s.reservation!.sourceKind).toBe("unset");
    // Derived defaults use the winning project, zone and cluster.
    expect(s.baseImageRepo).toMatchObject({
      value: `europe-west4-docker.pkg.dev/proj-profile/kinetic-${V.cluster.env}`,
      source: "default",
    });
  });

  it("treats an empty env var as unset", async () => {
    const s = shown(await sb.run(["config", "show", "--json"], { KINETIC_ZONE: "" }));
    expect(s.zone!.source).toBe("default");
  });

  it("rejects an invalid value and names the setting and where it came from", async () => {
    const fromEnv = await sb.run(["config", "show"], { KINETIC_ZONE: "moon-base-1" });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('invalid zone "moon-base-1" (from env KINETIC_ZONE)');
    const fromFlag = await sb.run(["--log-level", "LOUD", "config", "show"]);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toContain(
      'invalid logLevel "LOUD" (from flag --log-level): expected one of DEBUG, INFO, WARNING, ERROR, FATAL',
    );
    const duration = await sb.run(["config", "show"], { KINETIC_DEBUG_WAIT_TIMEOUT: "soon" });
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain("invalid debugWaitTimeout");
  });
});

describe("project fallbacks", () => {
  it("profile beats GOOGLE_CLOUD_PROJECT, which beats gcloud's project", async () => {
    const gcloudOnly = shown(await sb.run(["config", "show", "--json"], { FAKE_GCLOUD_PROJECT: "from-gcloud" }));
    expect(gcloudOnly.project).toMatchObject({ value: "from-gcloud", sourceKind: "gcloud" });

    const gcp = shown(
      await sb.run(["config", "show", "--json"], {
        FAKE_GCLOUD_PROJECT: "from-gcloud",
        GOOGLE_CLOUD_PROJECT: "from-gcp-env",
      }),
    );
    expect(gcp.project).toMatchObject({ value: "from-gcp-env", source: "env GOOGLE_CLOUD_PROJECT" });

    await writeStore(sb.profilesFile, { current: "dev", profiles: { dev: devProfile } });
    const withProfile = shown(
      await sb.run(["config", "show", "--json"], {
        FAKE_GCLOUD_PROJECT: "from-gcloud",
        GOOGLE_CLOUD_PROJECT: "from-gcp-env",
      }),
    );
    expect(withProfile.project).toMatchObject({ value: "proj-profile", source: "profile dev" });

    const withEnv = shown(
      await sb.run(["config", "show", "--json"], {
        GOOGLE_CLOUD_PROJECT: "from-gcp-env",
        KINETIC_PROJECT: "kinetic-env",
      }),
    );
    expect(withEnv.project).toMatchObject({ value: "kinetic-env", source: "env KINETIC_PROJECT" });
  });

  it("tolerates gcloud being absent: the project is simply not set, and a command that needs it says how to set it", async () => {
    const noGcloud = { PATH: join(sb.home, "empty") };
    const s = await sb.run(["config", "show", "--json"], noGcloud);
    expect(shown(s).project!.value).toBeNull();
    expect(s.stderr).toContain("no project is configured");
    const list = await sb.run(["jobs", "list"], noGcloud);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain("error: no project is configured");
    expect(list.stderr).toMatch(/hint: set it with --project PROJECT, KINETIC_PROJECT, a profile/);
  });

  it("gives up on a gcloud that hangs instead of hanging with it", async () => {
    const s = shown(
      await sb.run(["config", "show", "--json"], { FAKE_GCLOUD_SLEEP: "60", FAKE_GCLOUD_PROJECT: "too-late" }),
    );
    expect(s.project!.value).toBeNull();
  });

  it("validates a project that comes from gcloud like any other source", async () => {
    const r = await sb.run(["config", "show"], { FAKE_GCLOUD_PROJECT: "Not_A_Project" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("(from gcloud config (core/project))");
  });
});

describe("profile selection", () => {
  const store = {
    current: "dev",
    profiles: {
      dev: devProfile,
      "team-gpu": { project: "gpu-proj", zone: "us-east1-d", cluster: "gpus", namespace: "team" },
      staging: { project: "stage-proj", zone: "us-west4-a", cluster: "stage", namespace: "stage" },
    },
  };

  it("KINETIC_PROFILE beats the stored profile and --profile beats KINETIC_PROFILE", async () => {
    await writeStore(sb.profilesFile, store);
    const env = shown(await sb.run(["config", "show", "--json"], { KINETIC_PROFILE: "team-gpu" }));
    expect(env.profile).toMatchObject({ value: "team-gpu", source: "env KINETIC_PROFILE" });
    expect(env.project).toMatchObject({ value: "gpu-proj", source: "profile team-gpu" });

    const flag = shown(
      await sb.run(["--profile", "staging", "config", "show", "--json"], { KINETIC_PROFILE: "team-gpu" }),
    );
    expect(flag.profile).toMatchObject({ value: "staging", source: "flag --profile" });
    expect(flag.zone).toMatchObject({ value: "us-west4-a", source: "profile staging" });
  });

  it("KINETIC_PROFILES_FILE relocates the store", async () => {
    const elsewhere = join(sb.home, "elsewhere", "p.json");
    await writeStore(elsewhere, store);
    const s = shown(await sb.run(["config", "show", "--json"], { KINETIC_PROFILES_FILE: elsewhere }));
    expect(s.profilesFile).toMatchObject({ value: elsewhere, source: "env KINETIC_PROFILES_FILE" });
    expect(s.project!.value).toBe("proj-profile");
    const def = shown(await sb.run(["config", "show", "--json"]));
    expect(def.profilesFile).toMatchObject({ value: sb.profilesFile, source: "default" });
    expect(def.project!.value).toBeNull();
  });

  it("a missing profile is an error that lists the ones that exist", async () => {
    await writeStore(sb.profilesFile, store);
    const r = await sb.run(["--profile", "team-gpus", "config", "show"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('profile "team-gpus" not found');
    expect(r.stderr).toContain('did you mean "team-gpu"?');
    expect(r.stderr).toContain("available profiles: dev, staging, team-gpu");
    const env = await sb.run(["jobs", "list"], { KINETIC_PROFILE: "nope" });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('profile "nope" not found');
  });
});

describe("config show for people", () => {
  it("prints a value and a source for every setting, plus bucket and stack", async () => {
    await writeStore(sb.profilesFile, { current: "dev", profiles: { dev: devProfile } });
    const r = await sb.run(["--cluster", "c-flag", "config"], {
      KINETIC_NAMESPACE: "ns-env",
      KINETIC_API_TOKEN: "s3cret-token",
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^SETTING\s+VALUE\s+SOURCE$/);
    const rows = new Map(lines.slice(1).map((l) => [l.split(/\s+/)[0]!, l]));
    for (const k of [...KEYS, "apiToken", "profile", "profilesFile", "stateBucket", "stackName"]) {
      expect(rows.has(k), k).toBe(true);
      // three columns: name, value, a non-empty source
      expect(rows.get(k)!.split(/\s{2,}/).length, k).toBeGreaterThanOrEqual(3);
    }
    expect(rows.get("cluster")).toMatch(/c-flag\s+flag --cluster$/);
    expect(rows.get("namespace")).toMatch(/ns-env\s+env KINETIC_NAMESPACE$/);
    expect(rows.get("project")).toMatch(/proj-profile\s+profile dev$/);
    expect(rows.get("zone")).toMatch(/asia-northeast1-b\s+profile dev$/);
    expect(rows.get("logLevel")).toMatch(/INFO\s+default$/);
    expect(rows.get("debugWaitTimeout")).toMatch(/10m\s+default$/);
    expect(rows.get("stateBucket")).toContain("gs://proj-profile-kinetic-state");
    expect(rows.get("stackName")).toContain("proj-profile-c-flag");
    expect(rows.get("apiToken")).toMatch(/\(hidden\)\s+env KINETIC_API_TOKEN$/);
    expect(r.stdout).not.toContain("s3cret-token");
  });
});
