/**
 * Kaptain's utilities on the command line: `kinetic diagnose`, `kinetic clean`,
 * `kinetic clean-all`, `kinetic jobs delete ID` and `kinetic jobs
 * delete-completed`. Each calls the admin API and prints what it did, or
 * with a dry run what it would do, with the reason for every object.
 */
import { Option, type Command } from "commander";
import { AdminApiClient, type AdminItem, type RunSummaryResponse } from "../../shared/client/admin-client.ts";
import { tokenProvider } from "../../shared/client/token.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import { invalid } from "../../shared/errors.ts";
import { createContext, type CliContext } from "../context.ts";
import { EXIT, ExitRequest } from "../exit-codes.ts";
import { age, formatTable, printJson } from "../output.ts";

const VERB: Record<AdminItem["action"], string> = {
  deleted: "deleted",
  "would-delete": "would delete",
  kept: "kept",
  "already-gone": "already gone",
  purged: "purged",
  "would-purge": "would purge",
  error: "FAILED",
};

async function adminClient(ctx: CliContext): Promise<AdminApiClient> {
  const config = await ctx.config();
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  return new AdminApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, ctx.env),
  });
}

async function namespaceOf(ctx: CliContext, flag: string | undefined): Promise<string> {
  const ns = flag ?? (await ctx.config()).settings.namespace.value;
  if (!ns)
    throw invalid("no namespace: pass --namespace or set one in your profile", [
      { field: "namespace", message: "required" },
    ]);
  return ns;
}

function itemLine(i: AdminItem): string {
  const where = i.namespace ? `${i.namespace}/${i.name}` : i.name;
  return `${VERB[i.action].padEnd(12)} ${i.kind} ${where}${i.jobId && i.jobId !== i.name ? ` (job ${i.jobId})` : ""}: ${i.reason}\n`;
}

/** Prints a run summary; a skipped or failed run ends with exit code 1. */
function printRun(ctx: CliContext, s: RunSummaryResponse, opts: { json?: boolean; verbose?: boolean }): void {
  if (opts.json) printJson(ctx.io, s);
  else {
    if (s.status === "skipped" || s.status === "duplicate") {
      ctx.io.out(`Nothing done: ${s.message ?? s.status}\n`);
    } else {
      const shown = opts.verbose ? s.items : s.items.filter((i) => i.action !== "kept");
      for (const i of shown) ctx.io.out(itemLine(i));
      if (s.itemsTruncated) ctx.io.out(`… and ${s.itemsTruncated} more (see run record cleanupRuns/${s.runId})\n`);
      const c = s.counts;
      const parts = s.dryRun
        ? [`${c.wouldDelete} would be deleted`, `${c.kept} kept`]
        : [
            `${c.deleted} deleted`,
            `${c.alreadyGone} already gone`,
            ...(c.wouldDelete ? [`${c.wouldDelete} listed only`] : []),
            `${c.kept} kept`,
          ];
      if (c.errors) parts.push(`${c.errors} failed`);
      ctx.io.out(
        `${s.dryRun ? "Dry run: " : ""}${parts.join(", ")} (run ${s.runId}${opts.verbose || !c.kept ? "" : "; --verbose lists kept objects"})\n`,
      );
      if (s.dryRun) ctx.io.out("Nothing was deleted. Run again with --force to delete.\n");
      if (s.status !== "completed") ctx.io.err(`run ${s.status}: ${s.message ?? ""}\n`);
    }
  }
  if (s.status === "failed" || s.status === "skipped" || s.status === "interrupted" || s.counts.errors > 0) {
    throw new ExitRequest(EXIT.error);
  }
}

function parseKind(raw: string): "Job" | "JobSet" {
  const k = raw.toLowerCase();
  if (k === "job") return "Job";
  if (k === "jobset") return "JobSet";
  throw invalid(`--kind must be Job or JobSet, got ${JSON.stringify(raw)}`, [
    { field: "kind", message: "expected Job or JobSet" },
  ]);
}

/** Adds diagnose, clean, clean-all, and `jobs delete` / `jobs delete-completed` to the program. */
export function registerCleanupCommands(program: Command, ctx: CliContext = createContext(program)): void {
  program
    .command("diagnose")
    .description("Show every Kinetic-managed resource in a namespace and what a cleanup would do with it")
    .option("--namespace <NS>", "namespace (default: the configured namespace)")
    .option("--json", "print JSON")
    .action(async (opts: { namespace?: string; json?: boolean }) => {
      const api = await adminClient(ctx);
      const d = await api.diagnose(await namespaceOf(ctx, opts.namespace));
      if (opts.json) return printJson(ctx.io, d);
      if (d.resources.length === 0) {
        ctx.io.out(`No Kinetic-managed resources in namespace ${d.namespace}.\n`);
        return;
      }
      ctx.io.out(
        formatTable(
          ["KIND", "NAME", "JOB", "JOB STATE", "PHASE", "AGE", "CLEANUP"],
          d.resources.map((r) => [
            r.kind,
            r.name,
            r.jobId ?? "-",
            r.jobState ?? "-",
            r.phase ?? "-",
            age(r.createdAt),
            r.cleanup ? `${VERB[r.cleanup.action]}: ${r.cleanup.reason}` : "-",
          ]),
        ),
      );
      const kinds = Object.entries(d.byKind)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ");
      const c = d.plan.counts;
      ctx.io.out(`\n${kinds}. \`kinetic clean --force\` would delete ${c.wouldDelete} and keep ${c.kept}.\n`);
    });

  runCommand(
    program,
    "clean",
    "Delete expired Kinetic workloads and stale Secrets/ConfigMaps/ServiceAccounts/Pods (dry run unless --force)",
    "really delete (default: list what would be deleted)",
    (api, ns, force) => api.clean(ns, force),
  );
  runCommand(
    program,
    "clean-all",
    "Delete everything Kinetic has in a namespace, running jobs included (dry run unless --force)",
    "really delete (default: list what would be deleted)",
    (api, ns, force) => api.cleanAll(ns, force),
  );

  const jobs = program.commands.find((c) => c.name() === "jobs") ?? program.command("jobs").description("Manage jobs");

  jobs
    .command("delete")
    .description("Delete a job's workload and its pods (a running job is recorded as CANCELLED)")
    .argument("<ID>", "job id")
    .addOption(new Option("--kind <KIND>", "only this kind of workload: Job or JobSet").argParser(parseKind))
    .option("--namespace <NS>", "where to look when the job has no Kinetic record")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { kind?: "Job" | "JobSet"; namespace?: string; json?: boolean }) => {
      const api = await adminClient(ctx);
      const r = await api.deleteJob(id, {
        ...(opts.kind ? { kind: opts.kind } : {}),
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
      });
      if (opts.json) return printJson(ctx.io, r);
      for (const i of r.items) ctx.io.out(itemLine(i));
      if (r.items.length === 0) ctx.io.out(`Job ${r.jobId} has no workload to delete.\n`);
      ctx.io.out(`Job ${r.jobId} is ${r.state === "NO_RECORD" ? "not recorded in Kinetic" : r.state}.\n`);
    });

  runCommand(
    jobs,
    "delete-completed",
    "Delete the workloads of finished jobs now, whatever their TTL (--force: running and pending ones too)",
    "also delete running and pending jobs (recorded as CANCELLED)",
    (api, ns, force) => api.deleteCompleted(ns, force),
  );

  /** The commands that start a cleanup run share their options and their report. */
  function runCommand(
    parent: Command,
    name: string,
    description: string,
    forceHelp: string,
    call: (api: AdminApiClient, namespace: string, force: boolean) => Promise<RunSummaryResponse>,
  ): void {
    parent
      .command(name)
      .description(description)
      .option("--namespace <NS>", "namespace (default: the configured namespace)")
      .option("--force", forceHelp)
      .option("-v, --verbose", "also list what is kept, and why")
      .option("--json", "print the run summary as JSON")
      .action(async (opts: { namespace?: string; force?: boolean; verbose?: boolean; json?: boolean }) => {
        const api = await adminClient(ctx);
        printRun(ctx, await call(api, await namespaceOf(ctx, opts.namespace), opts.force === true), opts);
      });
  }
}
