/**
 * `kinetic admin config show|set|history`: the live operator config over the
 * API's /admin/config routes (operators only; the API decides who is one).
 *
 *   show [--json]                       effective config; `*` marks what is set (the rest are defaults)
 *   set [-f FILE] [--replace] [KEY=VALUE…] [--reason TEXT] [--revision N]
 *                                       FILE (JSON or YAML) and KEY=VALUE pairs are merged, in that order,
 *                                       into what is set (`KEY=null` returns KEY to its default); --replace
 *                                       starts from nothing instead. The write names the revision it was
 *                                       based on: if someone changed the config since, it is refused.
 *   history [--limit N] [--json]        changes, newest first: who, when, what
 */
import type { Command } from "commander";
import { readJobSpec } from "../../shared/client/job-spec-file.ts";
import { OperatorConfigClient } from "../../shared/client/operator-config-client.ts";
import { tokenProvider } from "../../shared/client/token.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import { invalid } from "../../shared/errors.ts";
import { assignmentsToPatch, mergePatch } from "../../shared/operator-config/patch.ts";
import type { CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";

async function client(ctx: CliContext): Promise<OperatorConfigClient> {
  const config = await ctx.config();
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  return new OperatorConfigClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, ctx.env),
  });
}

/** `a.b: value` lines of the effective config, `*` before the ones an operator set. */
export function configLines(config: unknown, set: unknown, prefix = ""): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObj(config)) return [];
  return Object.keys(config)
    .sort()
    .flatMap((k) => {
      const path = prefix ? `${prefix}.${k}` : k;
      const value = config[k];
      const own = isObj(set) ? set[k] : undefined;
      if (isObj(value)) return configLines(value, own, path);
      return [`${own !== undefined ? "*" : " "} ${path}: ${JSON.stringify(value)}`];
    });
}

function positiveInt(flag: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw invalid(`${flag} must be a whole number`, [{ field: flag, message: "expected an integer ≥ 0" }]);
    return n;
  };
}

export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const admin = program.command("admin").description("Operator commands (the API allows operators only)");
  const config = admin.command("config").description("The live operator config (Kueue, monitoring, preemption, data)");

  config
    .command("show", { isDefault: true })
    .description("Print the effective operator config; * marks values set by an operator, the rest are defaults")
    .option("--json", "print JSON ({config, set, revision, updatedAt, updatedBy})")
    .action(async (opts: { json?: boolean }) => {
      const state = await (await client(ctx)).show();
      if (opts.json) return printJson(ctx.io, state);
      const who = state.updatedBy ? `, changed ${state.updatedAt} by ${state.updatedBy}` : " (all defaults)";
      ctx.io.out(`Revision ${state.revision}${who}\n`);
      for (const line of configLines(state.config, state.set)) ctx.io.out(`${line}\n`);
    });

  config
    .command("set")
    .description("Change the operator config: -f FILE (JSON/YAML) and/or KEY=VALUE pairs, merged into what is set")
    .argument("[assignments...]", "key.path=value (JSON values; null = back to the default)")
    .option("-f, --file <FILE>", "a JSON or YAML file of settings to merge")
    .option("--replace", "replace everything set with the file and pairs (unset fields return to their defaults)")
    .option("--reason <TEXT>", "why, recorded in the history")
    .option(
      "--revision <N>",
      "the revision this change is based on (default: the one just read)",
      positiveInt("--revision"),
    )
    .option("--json", "print JSON")
    .action(
      async (
        assignments: string[],
        opts: { file?: string; replace?: boolean; reason?: string; revision?: number; json?: boolean },
      ) => {
        if (!opts.file && assignments.length === 0)
          throw invalid("nothing to set: pass -f FILE or key.path=value pairs", [
            { field: "assignments", message: "required" },
          ]);
        const pairs = assignmentsToPatch(assignments);
        const file = opts.file ? await readJobSpec(opts.file) : {};
        const api = await client(ctx);
        const current = await api.show();
        const next = mergePatch(mergePatch(opts.replace ? {} : current.set, file), pairs) as Record<string, unknown>;
        const answer = await api.put(next, opts.revision ?? current.revision, opts.reason);
        if (opts.json) return printJson(ctx.io, answer);
        if (!answer.change) {
          ctx.io.out(`No change: the config is already so (revision ${answer.revision}).\n`);
          return;
        }
        ctx.io.out(`Revision ${answer.revision}: changed ${answer.change.changed.join(", ")}\n`);
      },
    );

  config
    .command("history")
    .description("Changes to the operator config, newest first: who, when, what changed")
    .option("--limit <N>", "how many (default 20)", positiveInt("--limit"))
    .option("--json", "print JSON (with each change's old and new config)")
    .action(async (opts: { limit?: number; json?: boolean }) => {
      const page = await (await client(ctx)).history(opts.limit ? { limit: opts.limit } : {});
      if (opts.json) return printJson(ctx.io, page);
      if (page.changes.length === 0) {
        ctx.io.out("No changes: the operator config is all defaults.\n");
        return;
      }
      ctx.io.out(
        formatTable(
          ["REVISION", "WHEN", "BY", "CHANGED", "REASON"],
          page.changes.map((c) => [String(c.revision), c.at, c.by, c.changed.join(", ") || "-", c.reason ?? "-"]),
        ),
      );
    });
}
