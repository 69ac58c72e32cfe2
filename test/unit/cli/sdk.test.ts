/**
 * The SDK (`import … from "kinetic"`): an explicit argument beats every other
 * layer, for every setting, and submit() uses the resolved URL, token and namespace.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configure, ConfigError, resolveConfig, submit, SETTING_KEYS, type SettingKey } from "kinetic";
import { startApiTestDouble, type ApiTestDouble } from "./api-test-double.ts";
import { REPO } from "./helpers.ts";

// Real subprocesses on a shared 2-core machine: generous limits; no assertion depends on time.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let dir: string;
let profilesFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinetic-sdk-"));
  profilesFile = join(dir, ".kinetic", "profiles.json");
  await mkdir(dirname(profilesFile), { recursive: true });
  await writeFile(
    profilesFile,
    JSON.stringify({
      current: "dev",
      profiles: {
        dev: {
          project: "proj-profile",
          zone: "asia-northeast1-b",
          cluster: "c-profile",
          namespace: "ns-profile",
          apiUrl: "https://p.example.com",
        },
        other: { project: "proj-other", zone: "us-west4-a", cluster: "c-other", namespace: "ns-other" },
      },
    }),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ARG = {
  project: "proj-arg",
  zone: "europe-west4-a",
  cluster: "c-arg",
  namespace: "ns-arg",
  outputDir: "gs://out-arg",
  baseImageRepo: "europe-docker.pkg.dev/proj-arg/images",
  reservation: "res-arg",
  logLevel: "WARNING",
  debugWaitTimeout: 45,
  apiUrl: "http://127.0.0.1:1/arg",
} as const satisfies Record<SettingKey, string | number>;
const ENV = {
  KINETIC_PROJECT: "proj-env",
  KINETIC_ZONE: "us-east5-b",
  KINETIC_CLUSTER: "c-env",
  KINETIC_NAMESPACE: "ns-env",
  KINETIC_OUTPUT_DIR: "gs://out-env",
  KINETIC_BASE_IMAGE_REPO: "us-docker.pkg.dev/proj-env/images",
  KINETIC_RESERVATION: "res-env",
  KINETIC_LOG_LEVEL: "ERROR",
  KINETIC_DEBUG_WAIT_TIMEOUT: "5m",
  KINETIC_API_URL: "https://env.example.com",
  GOOGLE_CLOUD_PROJECT: "proj-gcp",
};
const noGcloud = async () => {
  throw new Error("gcloud must not be consulted when the project is given");
};

describe("SDK precedence", () => {
  it("an argument beats env vars and the profile for every setting", async () => {
    const config = await configure({
      ...ARG,
      env: { ...ENV, KINETIC_PROFILES_FILE: profilesFile },
      gcloudProject: noGcloud,
    });
    for (const key of SETTING_KEYS) {
      expect(config.settings[key], key).toEqual({ value: ARG[key], source: { kind: "argument" } });
    }
  });

  it("an argument beats a CLI flag too (the CLI and SDK share one resolver)", async () => {
    const flags = {
      project: "proj-flag",
      zone: "us-west4-a",
      cluster: "c-flag",
      namespace: "ns-flag",
      outputDir: "gs://out-flag",
      baseImageRepo: "us-docker.pkg.dev/proj-flag/images",
      reservation: "res-flag",
      logLevel: "DEBUG",
      debugWaitTimeout: "1h",
      apiUrl: "https://flag.example.com",
      profile: "other",
    };
    const config = await resolveConfig({
      args: { ...ARG, profile: "dev" },
      flags,
      env: { ...ENV, KINETIC_PROFILES_FILE: profilesFile },
      gcloudProject: noGcloud,
    });
    for (const key of SETTING_KEYS)
      expect(config.settings[key], key).toEqual({ value: ARG[key], source: { kind: "argument" } });
    expect(config.profile).toMatchObject({ name: "dev", source: { kind: "argument" } });
    const flagsOnly = await resolveConfig({
      flags,
      env: { ...ENV, KINETIC_PROFILES_FILE: profilesFile },
      gcloudProject: noGcloud,
    });
    expect(flagsOnly.settings.debugWaitTimeout).toEqual({
      value: 3600,
      source: { kind: "flag", flag: "--debug-wait-timeout" },
    });
    expect(flagsOnly.profile).toMatchObject({ name: "other", source: { kind: "flag", flag: "--profile" } });
  });

  it("with no argument the same rule as the CLI applies: env, then profile, then default", async () => {
    const config = await configure({
      env: { KINETIC_ZONE: "us-east5-b", KINETIC_PROFILES_FILE: profilesFile },
      gcloudProject: noGcloud,
    });
    expect(config.settings.zone).toEqual({ value: "us-east5-b", source: { kind: "env", name: "KINETIC_ZONE" } });
    expect(config.settings.cluster).toEqual({ value: "c-profile", source: { kind: "profile", profile: "dev" } });
    expect(config.settings.logLevel).toEqual({ value: "INFO", source: { kind: "default" } });
    expect(config.stackName).toBe("proj-profile-c-profile");
    expect(config.stateBucket).toBe("gs://proj-profile-kinetic-state");
  });

  it("a profile argument beats KINETIC_PROFILE and the stored profile", async () => {
    const config = await configure({
      profile: "other",
      env: { KINETIC_PROFILE: "dev", KINETIC_PROFILES_FILE: profilesFile },
      gcloudProject: noGcloud,
    });
    expect(config.profile).toMatchObject({ name: "other", source: { kind: "argument" }, stored: "dev" });
    expect(config.settings.project.value).toBe("proj-other");
  });

  it("an invalid argument is a ConfigError naming the setting", async () => {
    await expect(configure({ zone: "nowhere", env: { KINETIC_PROFILES_FILE: profilesFile } })).rejects.toThrow(
      ConfigError,
    );
    await expect(configure({ zone: "nowhere", env: { KINETIC_PROFILES_FILE: profilesFile } })).rejects.toThrow(
      'invalid zone "nowhere" (from SDK argument)',
    );
  });
});

describe("SDK submit", () => {
  let api: ApiTestDouble;
  beforeEach(async () => {
    api = await startApiTestDouble();
  });
  afterEach(async () => {
    await api.close();
  });

  it("uses the argument's URL, token and namespace over env and profile", async () => {
    const result = await submit(
      { image: "img:1", accelerator: "cpu", namespace: "in-spec" },
      {
        apiUrl: api.url,
        apiToken: "arg-token",
        namespace: "ns-arg",
        env: { ...ENV, KINETIC_API_TOKEN: "env-token", KINETIC_PROFILES_FILE: profilesFile },
      },
    );
    expect(result).toMatchObject({ via: "http", created: true, job: { namespace: "ns-arg", state: "QUEUED" } });
    expect(api.requests[0]).toMatchObject({ method: "POST", path: "/jobs", authorization: "Bearer arg-token" });
  });

  it("keeps the spec's namespace when the namespace only comes from env or profile", async () => {
    await submit(
      { image: "img:1", accelerator: "cpu", namespace: "in-spec" },
      { env: { KINETIC_API_URL: api.url, KINETIC_API_TOKEN: "t", KINETIC_PROFILES_FILE: profilesFile } },
    );
    expect(api.requests[0]!.body).toMatchObject({ namespace: "in-spec" });
  });

  it("rejects a spec the API rejects, with the field issues on the error", async () => {
    const err = await submit(
      { accelerator: "cpu" },
      { apiUrl: api.url, apiToken: "t", env: { KINETIC_PROFILES_FILE: profilesFile } },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: "ApiError",
      code: "invalid-argument",
      httpStatus: 400,
      issues: [{ field: "image", message: "required" }],
    });
  });
});

describe("package entry", () => {
  it('resolves `import { submit } from "kinetic"` under plain Node 24 (package.json exports)', () => {
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("kinetic"); console.log(typeof m.submit, typeof m.configure)',
      ],
      { cwd: REPO, encoding: "utf8" },
    );
    expect(out.trim()).toBe("function function");
  });
});
