/**
 * What every command gets: the global flags as the "flag" layer, lazy config
 * resolution (a command that does not need config never reads the profiles
 * file or runs gcloud) and an API client built from the resolved settings.
 */
import type { Command } from "commander";
import { KineticApiClient } from "../shared/client/api-client.ts";
import { tokenProvider } from "../shared/client/token.ts";
import { requireSetting, resolveConfig, type ResolvedConfig, type SettingInputs } from "../shared/config/resolve.ts";
import { SETTING_KEYS } from "../shared/config/settings.ts";
import { processIo, type Io } from "./output.ts";

export interface GlobalFlags extends SettingInputs {
  profile?: string;
}

export interface CliContext {
  io: Io;
  env: Record<string, string | undefined>;
  flags: GlobalFlags;
  config(): Promise<ResolvedConfig>;
  api(): Promise<KineticApiClient>;
}

/** Reads the root program's options: every setting flag plus --profile. */
export function globalFlags(program: Command): GlobalFlags {
  const opts = program.opts<Record<string, string | undefined>>();
  const flags: GlobalFlags = {};
  for (const key of SETTING_KEYS) if (opts[key] !== undefined) flags[key] = opts[key];
  if (opts.profile !== undefined) flags.profile = opts.profile;
  return flags;
}

export function createContext(program: Command, io: Io = processIo, env = process.env): CliContext {
  let resolved: Promise<ResolvedConfig> | undefined;
  const ctx: CliContext = {
    io,
    env,
    get flags() {
      return globalFlags(program);
    },
    config: () => (resolved ??= resolveConfig({ flags: globalFlags(program), env })),
    api: async () => apiClientFor(await ctx.config(), env, io),
  };
  return ctx;
}

export function apiClientFor(
  config: ResolvedConfig,
  env: Record<string, string | undefined>,
  io: Io = processIo,
): KineticApiClient {
  // A derived API URL needs the project: report the missing project, not a missing URL.
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  const baseUrl = requireSetting(config, "apiUrl");
  const debug = config.settings.logLevel.value === "DEBUG";
  return new KineticApiClient({
    baseUrl,
    token: tokenProvider(config.apiToken.value, env),
    fetch: debug ? loggingFetch(io) : undefined,
  });
}

/** At log level DEBUG: one stderr line per request (method, URL, status); headers, and so the token, are never printed. */
function loggingFetch(io: Io): typeof fetch {
  return async (input, init) => {
    const what = `${init?.method ?? "GET"} ${String(input)}`;
    try {
      const res = await fetch(input, init);
      io.err(`DEBUG ${what} -> ${res.status}\n`);
      return res;
    } catch (err) {
      io.err(`DEBUG ${what} -> ${(err as Error).message}\n`);
      throw err;
    }
  };
}
