/**
 * Resolves every setting by the one rule: SDK argument > CLI flag > env var >
 * active profile > default, and records which layer won. The project has no
 * default; after the profile it falls back to GOOGLE_CLOUD_PROJECT and then to
 * gcloud's configured project (so a profile still beats an ambient
 * GOOGLE_CLOUD_PROJECT that was set for other tools).
 */
import { ConfigError } from "./errors.ts";
import { gcloudProject } from "./gcloud.ts";
import { getProfile, profilesFilePath, readProfiles, type Profile } from "./profiles.ts";
import { PROJECT_HINT, SETTING_KEYS, SETTINGS, type SettingKey, type SettingValues } from "./settings.ts";
import { sourceLabel, type Source } from "./sources.ts";
import { parseProfileName } from "./validators.ts";

export type Env = Record<string, string | undefined>;

/** Raw layer inputs: CLI flags arrive as strings, SDK arguments may be typed. */
export type SettingInputs = { [K in SettingKey]?: string | SettingValues[K] };

export interface ResolveOptions {
  /** SDK arguments: the highest layer. */
  args?: SettingInputs & { profile?: string; profilesFile?: string; apiToken?: string };
  /** CLI flags. */
  flags?: SettingInputs & { profile?: string };
  /** Defaults to process.env. */
  env?: Env;
  /** gcloud's configured project; injectable so tests and the SDK can skip the subprocess. */
  gcloudProject?: (env: Env) => Promise<string | undefined>;
}

export interface Resolved<T> {
  value: T | undefined;
  source: Source;
}

export interface ResolvedConfig {
  settings: { [K in SettingKey]: Resolved<SettingValues[K]> };
  /** The effective profile and how it was chosen; `stored` is the file's "current". */
  profile: { name: string | undefined; source: Source; stored: string | null; data: Profile | undefined };
  profilesFile: { path: string; source: Source };
  /** Only an explicit token (argument or KINETIC_API_TOKEN); otherwise gcloud supplies one at request time. */
  apiToken: { value: string | undefined; source: Source };
  /** Pulumi state bucket, gs://{project}-kinetic-state. */
  stateBucket: string | undefined;
  /** Pulumi stack name, {project}-{cluster}. */
  stackName: string | undefined;
}

const present = (v: unknown): v is string | number => v !== undefined && v !== null && v !== "";

function parseOrThrow<K extends SettingKey>(key: K, raw: string | number, source: Source): SettingValues[K] {
  const spec = SETTINGS[key];
  const r = spec.parse(String(raw));
  if (r.ok) return r.value;
  throw new ConfigError(`invalid ${key} ${JSON.stringify(String(raw))} (from ${sourceLabel(source)}): ${r.reason}`, {
    issues: [{ field: key, message: r.reason }],
  });
}

/**
 * Which profile is in effect: argument > --profile > KINETIC_PROFILE > the
 * stored "current". Only the name is chosen here; `data` is filled by the caller.
 */
export function chooseProfile(
  opts: Pick<ResolveOptions, "args" | "flags">,
  env: Env,
  stored: string | null,
  file: string,
): ResolvedConfig["profile"] {
  const layers: Array<[unknown, Source]> = [
    [opts.args?.profile, { kind: "argument" }],
    [opts.flags?.profile, { kind: "flag", flag: "--profile" }],
    [env.KINETIC_PROFILE, { kind: "env", name: "KINETIC_PROFILE" }],
  ];
  for (const [raw, source] of layers) {
    if (!present(raw)) continue;
    const name = String(raw);
    const r = parseProfileName(name);
    if (!r.ok)
      throw new ConfigError(`invalid profile name ${JSON.stringify(name)} (from ${sourceLabel(source)}): ${r.reason}`, {
        issues: [{ field: "profile", message: r.reason }],
      });
    return { name, source, stored, data: undefined };
  }
  if (stored !== null) return { name: stored, source: { kind: "stored", file }, stored, data: undefined };
  return { name: undefined, source: { kind: "unset" }, stored, data: undefined };
}

export async function resolveConfig(opts: ResolveOptions = {}): Promise<ResolvedConfig> {
  const env = opts.env ?? process.env;
  const fileFromEnv = profilesFilePath(env);
  const profilesFile: ResolvedConfig["profilesFile"] = present(opts.args?.profilesFile)
    ? { path: opts.args.profilesFile, source: { kind: "argument" } }
    : {
        path: fileFromEnv.path,
        source: fileFromEnv.fromEnv ? { kind: "env", name: "KINETIC_PROFILES_FILE" } : { kind: "default" },
      };

  const store = await readProfiles(profilesFile.path);
  const profile = chooseProfile(opts, env, store.current, profilesFile.path);
  if (profile.name !== undefined) profile.data = getProfile(store, profile.name, profilesFile.path);

  const settings = {} as { [K in SettingKey]: Resolved<SettingValues[K]> };
  const values: Partial<SettingValues> = {};
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key];
    const layers: Array<[unknown, Source]> = [
      [opts.args?.[key], { kind: "argument" }],
      [opts.flags?.[key], { kind: "flag", flag: spec.flag }],
      [env[spec.env], { kind: "env", name: spec.env }],
    ];
    if (spec.profileField && profile.data && profile.name)
      layers.push([profile.data[spec.profileField], { kind: "profile", profile: profile.name }]);
    if (key === "project") layers.push([env.GOOGLE_CLOUD_PROJECT, { kind: "env", name: "GOOGLE_CLOUD_PROJECT" }]);

    let resolved: Resolved<SettingValues[typeof key]> | undefined;
    for (const [raw, source] of layers) {
      if (present(raw)) {
        resolved = { value: parseOrThrow(key, raw as string | number, source), source };
        break;
      }
    }
    if (!resolved && key === "project") {
      const fromGcloud = await (opts.gcloudProject ?? gcloudProject)(env);
      if (present(fromGcloud))
        resolved = { value: parseOrThrow("project", fromGcloud, { kind: "gcloud" }), source: { kind: "gcloud" } };
    }
    if (!resolved) {
      const fallback = spec.default(values);
      resolved =
        fallback === undefined
          ? { value: undefined, source: { kind: "unset" } }
          : { value: fallback, source: { kind: "default" } };
    }
    (settings as Record<SettingKey, Resolved<unknown>>)[key] = resolved;
    (values as Record<SettingKey, unknown>)[key] = resolved.value;
  }

  const apiToken: ResolvedConfig["apiToken"] = present(opts.args?.apiToken)
    ? { value: opts.args.apiToken, source: { kind: "argument" } }
    : present(env.KINETIC_API_TOKEN)
      ? { value: env.KINETIC_API_TOKEN, source: { kind: "env", name: "KINETIC_API_TOKEN" } }
      : { value: undefined, source: { kind: "gcloud" } };

  return {
    settings,
    profile,
    profilesFile,
    apiToken,
    stateBucket: values.project ? `gs://${values.project}-kinetic-state` : undefined,
    stackName: values.project && values.cluster ? `${values.project}-${values.cluster}` : undefined,
  };
}

/** The value of a setting, or a ConfigError that says how to set it. */
export function requireSetting<K extends SettingKey>(config: ResolvedConfig, key: K): SettingValues[K] {
  const value = config.settings[key].value;
  if (value !== undefined) return value;
  const spec = SETTINGS[key];
  const hint =
    key === "project"
      ? PROJECT_HINT
      : `set it with ${spec.flag}, ${spec.env}${spec.profileField ? " or a profile" : ""}`;
  throw new ConfigError(`no ${key} is configured`, { hint, code: "failed-precondition" });
}
