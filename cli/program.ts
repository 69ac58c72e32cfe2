/**
 * Builds the `kinetic` command tree. Global flags come from the setting
 * declarations (shared/config/settings.ts) and are positional: they go before
 * the subcommand, which keeps `jobs list --namespace` and
 * `profile create --project` free to mean their own thing.
 */
import { Command, CommanderError, Option } from "commander";
import { SETTING_KEYS, SETTINGS } from "../shared/config/settings.ts";
import { registerAdminCommands } from "./commands/admin.ts";
import { registerBuildCommands } from "./commands/build.ts";
import { registerCleanupCommands } from "./commands/cleanup.ts";
import { registerConfigCommands } from "./commands/config.ts";
import { registerDashboardCommand } from "./commands/dashboard.ts";
import { registerInfraCommands } from "./commands/infra.ts";
import { registerInitCommands } from "./commands/init.ts";
import { registerJobsCommands } from "./commands/jobs.ts";
import { registerOutputsCommand, registerPreemptCommand } from "./commands/outputs.ts";
import { registerProfileCommands } from "./commands/profile.ts";
import { registerReposCommands } from "./commands/repos.ts";
import { registerStudiesCommands } from "./commands/studies.ts";
import { createContext } from "./context.ts";
import { EXIT, ExitRequest, exitCodeFor } from "./exit-codes.ts";
import { formatError, processIo, type Io } from "./output.ts";

export const VERSION = "0.1.0";

/** Global options that take a value (needed to find the subcommand in argv). */
const VALUE_FLAGS = new Set<string>([...SETTING_KEYS.map((k) => SETTINGS[k].flag), "--profile"]);

/**
 * `--profile` is global and goes before the subcommand. Given later, commander
 * would call it an unknown option; this says what to do instead.
 */
export function misplacedProfileFlag(args: string[]): string | undefined {
  let i = 0;
  while (i < args.length && args[i]!.startsWith("-") && args[i] !== "--") {
    const a = args[i]!;
    i += VALUE_FLAGS.has(a) ? 2 : 1;
  }
  const commandAt = i;
  for (let j = commandAt + 1; j < args.length; j++) {
    const a = args[j]!;
    if (a === "--") break;
    if (a === "--profile" || a.startsWith("--profile=")) {
      const name = a.includes("=") ? a.slice(a.indexOf("=") + 1) : (args[j + 1] ?? "NAME");
      const rest = args.filter((_, k) => k !== j && !(k === j + 1 && !a.includes("=")));
      const fixed = ["kinetic", ...rest.slice(0, commandAt), "--profile", name, ...rest.slice(commandAt)].join(" ");
      return `--profile is a global flag and goes before the subcommand: ${fixed}`;
    }
  }
  return undefined;
}

/** Adds a pointer when commander rejects a global flag that was put after the subcommand. */
function explainGlobalFlag(message: string): string {
  const flag = /unknown option '(--[a-z-]+)/.exec(message)?.[1];
  if (!flag || !VALUE_FLAGS.has(flag)) return message;
  return `${message.trimEnd()}\n${flag} is a global flag: put it before the subcommand, e.g. kinetic ${flag} VALUE jobs list\n`;
}

export function buildProgram(io: Io = processIo, env = process.env): Command {
  const program = new Command("kinetic")
    .description("Run ML training and tuning jobs on Cloud TPUs and GPUs")
    .version(VERSION, "-V, --version")
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(explainGlobalFlag(s)),
    });
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key];
    program.addOption(new Option(`${spec.flag} <${spec.metavar}>`, `${spec.description} [env ${spec.env}]`));
  }
  program.addOption(new Option("--profile <NAME>", "profile to use instead of the active one [env KINETIC_PROFILE]"));

  const ctx = createContext(program, io, env);
  registerConfigCommands(program, ctx);
  registerProfileCommands(program, ctx);
  registerJobsCommands(program, ctx);
  registerOutputsCommand(program, ctx);
  registerPreemptCommand(program, ctx);
  registerStudiesCommands(program, ctx);
  registerBuildCommands(program, ctx);
  registerReposCommands(program, ctx);
  registerCleanupCommands(program, ctx);
  registerInfraCommands(program, ctx);
  registerInitCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerDashboardCommand(program, ctx);
  return program;
}

/** Runs the CLI and returns the exit code (bin.ts exits with it). */
export async function main(args: string[], io: Io = processIo, env = process.env): Promise<number> {
  const misplaced = misplacedProfileFlag(args);
  if (misplaced) {
    io.err(`error: ${misplaced}\n`);
    return EXIT.usage;
  }
  try {
    await buildProgram(io, env).parseAsync(args, { from: "user" });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ExitRequest) return err.exitCode;
    if (err instanceof Error && err.name === "ExitPromptError") {
      io.err("cancelled\n");
      return 130;
    }
    io.err(formatError(err));
    return exitCodeFor(err);
  }
}
