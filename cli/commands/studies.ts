/**
 * `kinetic studies ls|status|trials|best|cancel`, and `kinetic tune`
 * (tune.ts): tuning studies over the HTTP API's study routes
 * (functions/api/study-routes.ts). Tables for people, --json for scripts. A
 * study is named by its namespace (the configured one unless --namespace)
 * and id.
 */
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";
import { studyClient } from "./study-client.ts";
import { registerTuneCommand, statusText } from "./tune.ts";

export function registerStudiesCommands(program: Command, ctx: CliContext): void {
  registerTuneCommand(program, ctx);
  const studies = program.command("studies").description("Inspect and cancel tuning studies");
  const withNs = (c: Command) => c.option("--namespace <NS>", "the study's namespace").option("--json", "JSON output");

  withNs(studies.command("ls").description("List studies in the namespace")).action(
    async (opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await studyClient(ctx);
      const list = await api.listStudies(opts.namespace ?? namespace);
      if (opts.json) return printJson(ctx.io, list);
      const rows = list.map((s) => [s.id, s.state, s.reason ?? "", `${s.issued}/${s.plannedTrials}`]);
      ctx.io.out(list.length ? formatTable(["ID", "STATE", "REASON", "TRIALS"], rows) : "No studies.\n");
    },
  );

  withNs(studies.command("status <ID>").description("Counts per trial state, best trial, reason")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await studyClient(ctx);
      const status = await api.studyStatus(id, opts.namespace ?? namespace);
      if (opts.json) printJson(ctx.io, status);
      else ctx.io.out(statusText(status));
    },
  );

  withNs(studies.command("trials <ID>").description("Every trial with its parameters and value")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await studyClient(ctx);
      const trials = await api.studyTrials(id, opts.namespace ?? namespace);
      if (opts.json) return printJson(ctx.io, trials);
      const rows = trials.map((t) => [
        String(t.id),
        String(t.state),
        t.objective === undefined ? "" : String(t.objective),
        JSON.stringify(t.params),
      ]);
      ctx.io.out(formatTable(["TRIAL", "STATE", "VALUE", "PARAMS"], rows));
    },
  );

  withNs(studies.command("best <ID>").description("The best trial's parameters and metrics")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await studyClient(ctx);
      const res = await api.bestTrial(id, opts.namespace ?? namespace);
      if (opts.json) printJson(ctx.io, res);
      else ctx.io.out(`${JSON.stringify(res.best, null, 2)}\n`);
    },
  );

  withNs(studies.command("cancel <ID>").description("Cancel the study and its running trials")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await studyClient(ctx);
      const study = await api.cancelStudy(id, opts.namespace ?? namespace);
      if (opts.json) printJson(ctx.io, study);
      else ctx.io.out(`Study ${study.id} ${study.state}\n`);
    },
  );
}
