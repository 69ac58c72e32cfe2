/**
 * `kinetic config [show]`: every resolved setting with the layer it came from,
 * the effective profile, and the Pulumi state bucket and stack it implies.
 */
import type { Command } from "commander";
import type { ResolvedConfig } from "../../shared/config/resolve.ts";
import { PROJECT_HINT, SETTING_KEYS, SETTINGS } from "../../shared/config/settings.ts";
import { sourceLabel, type Source } from "../../shared/config/sources.ts";
import type { CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";

export interface ShownSetting {
  value: string | number | null;
  source: string;
  sourceKind: Source["kind"] | "derived";
}

/** The rows `config show` prints, in order; the JSON form has the same keys. */
export function showConfig(config: ResolvedConfig): Record<string, ShownSetting> {
  const rows: Record<string, ShownSetting> = {};
  for (const key of SETTING_KEYS) {
    const { value, source } = config.settings[key];
    rows[key] = { value: value ?? null, source: sourceLabel(source), sourceKind: source.kind };
  }
  rows.apiToken = {
    value: config.apiToken.value ? "(hidden)" : null,
    source: config.apiToken.value
      ? sourceLabel(config.apiToken.source)
      : "gcloud auth print-identity-token, at request time",
    sourceKind: config.apiToken.source.kind,
  };
  rows.profile = {
    value: config.profile.name ?? null,
    source: sourceLabel(config.profile.source),
    sourceKind: config.profile.source.kind,
  };
  rows.profilesFile = {
    value: config.profilesFile.path,
    source: sourceLabel(config.profilesFile.source),
    sourceKind: config.profilesFile.source.kind,
  };
  rows.stateBucket = {
    value: config.stateBucket ?? null,
    source: "derived: gs://{project}-kinetic-state",
    sourceKind: "derived",
  };
  rows.stackName = { value: config.stackName ?? null, source: "derived: {project}-{cluster}", sourceKind: "derived" };
  return rows;
}

function display(key: string, shown: ShownSetting): string {
  if (shown.value === null) return "(not set)";
  const spec = (SETTINGS as Record<string, { format?: (v: never) => string }>)[key];
  return spec?.format ? spec.format(shown.value as never) : String(shown.value);
}

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("Show the resolved configuration");
  config
    .command("show", { isDefault: true })
    .description("Print every setting, its value and where it came from (flag, env var, profile or default)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const resolved = await ctx.config();
      const rows = showConfig(resolved);
      if (opts.json) {
        printJson(ctx.io, rows);
      } else {
        const table = Object.entries(rows).map(([key, shown]) => [key, display(key, shown), shown.source]);
        ctx.io.out(formatTable(["SETTING", "VALUE", "SOURCE"], table));
      }
      if (resolved.settings.project.value === undefined)
        ctx.io.err(`note: no project is configured; ${PROJECT_HINT}\n`);
      else if (!opts.json)
        ctx.io.err("note: to check the deployment these settings point at, run `kinetic init --troubleshoot`\n");
    });
}
