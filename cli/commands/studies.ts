/**
 * `kinetic tune -f study.json [--wait]` and `kinetic studies
 * ls|status|trials|best|cancel`: tuning studies over the HTTP API's study
 * routes (functions/api/study-routes.ts). Tables for people, --json for
 * scripts. A study is named by its namespace (the configured one unless
 * --namespace) and id.
 */
import type { Command } from "commander";
import { KineticApiClient } from "../../shared/client/api-client.ts";
import { readJobSpec } from "../../shared/client/job-spec-file.ts";
import { tokenProvider } from "../../shared/client/token.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import type { CliContext } from "../context.ts";
import { EXIT, ExitRequest } from "../exit-codes.ts";
import { formatTable, printJson, Spinner } from "../output.ts";

type Json = Record<string, unknown>;
const POLL_MS = 3_000;

/** The API client with the study routes (the shared client's request is protected: extend, not patch). */
export class StudyApiClient extends KineticApiClient {
  private async json(method: "GET" | "POST", path: string, opts: { body?: unknown; query?: Json } = {}) {
    return (await (await this.request(method, path, opts)).json()) as Json;
  }
  createStudy(spec: Json) {
    return this.json("POST", "/studies", { body: spec });
  }
  listStudies(namespace?: string) {
    return this.json("GET", "/studies", { query: { namespace } });
  }
  studyStatus(id: string, namespace: string) {
    return this.json("GET", `/studies/${encodeURIComponent(id)}`, { query: { namespace } });
  }
  studyTrials(id: string, namespace: string) {
    return this.json("GET", `/studies/${encodeURIComponent(id)}/trials`, { query: { namespace } });
  }
  bestTrial(id: string, namespace: string) {
    return this.json("GET", `/studies/${encodeURIComponent(id)}/best`, { query: { namespace } });
  }
  cancelStudy(id: string, namespace: string) {
    return this.json("POST", `/studies/${encodeURIComponent(id)}/cancel`, { query: { namespace } });
  }
}

async function client(ctx: CliContext): Promise<{ api: StudyApiClient; namespace: string }> {
  const config = await ctx.config();
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  const api = new StudyApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, ctx.env),
  });
  return { api, namespace: requireSetting(config, "namespace") };
}

interface Status {
  id: string;
  namespace: string;
  state: string;
  reason?: string;
  message?: string;
  counts: Record<string, number>;
  created: number;
  planned: number;
  best?: { index: number; trialId: string; value: number; params: Json; metrics: Json };
  notes: string[];
}

function statusText(s: Status): string {
  const c = s.counts;
  const lines = [
    `study:      ${s.namespace}/${s.id}`,
    `state:      ${s.state}${s.reason ? ` (${s.reason})` : ""}`,
    ...(s.message ? [`message:    ${s.message}`] : []),
    `trials:     ${s.created} created of ${s.planned}`,
    `counts:     pending ${c.pending}, running ${c.running}, succeeded ${c.succeeded}, failed ${c.failed}, ` +
      `metricsUnavailable ${c.metricsUnavailable}, earlyStopped ${c.earlyStopped}, cancelled ${c.cancelled}`,
    s.best
      ? `best:       trial ${s.best.index} (${s.best.trialId}) = ${s.best.value}  ${JSON.stringify(s.best.params)}`
      : "best:       none yet",
    ...s.notes.map((n) => `note:       ${n}`),
  ];
  return lines.join("\n") + "\n";
}

const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELLED"];

export function registerStudiesCommands(program: Command, ctx: CliContext): void {
  program
    .command("tune")
    .description("Create a tuning study from a study spec file")
    .requiredOption("-f, --file <PATH>", "study spec (JSON or YAML)")
    .option("--wait", "wait until the study ends and print its status")
    .option("--json", "print the API's objects")
    .action(async (opts: { file: string; wait?: boolean; json?: boolean }) => {
      const spec = await readJobSpec(opts.file);
      const { api } = await client(ctx);
      const { study } = (await api.createStudy(spec)) as { study: Status & { id: string } };
      if (!opts.wait) {
        if (opts.json) printJson(ctx.io, study);
        else ctx.io.out(`Study ${study.namespace}/${study.id} (${study.state})\n`);
        return;
      }
      const spinner = new Spinner(ctx.io);
      spinner.start(`study ${study.id}`);
      let status: Status;
      for (;;) {
        status = ((await api.studyStatus(study.id, study.namespace)) as { status: Status }).status;
        if (TERMINAL.includes(status.state)) break;
        spinner.update(`study ${study.id}: ${status.state}, ${status.counts.succeeded} succeeded`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      spinner.stop();
      if (opts.json) printJson(ctx.io, status);
      else ctx.io.out(statusText(status));
      if (status.state !== "SUCCEEDED") throw new ExitRequest(EXIT.jobFailed);
    });

  const studies = program.command("studies").description("Inspect and cancel tuning studies");
  const withNs = (c: Command) => c.option("--namespace <NS>", "the study's namespace").option("--json", "JSON output");

  withNs(studies.command("ls").description("List studies in the namespace")).action(
    async (opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await client(ctx);
      const { studies: list } = (await api.listStudies(opts.namespace ?? namespace)) as { studies: Status[] };
      if (opts.json) return printJson(ctx.io, list);
      const rows = list.map((s) => [s.id, s.state, s.reason ?? "", `${(s as unknown as { issued: number }).issued}`]);
      ctx.io.out(list.length ? formatTable(["ID", "STATE", "REASON", "TRIALS"], rows) : "No studies.\n");
    },
  );

  withNs(studies.command("status <ID>").description("Counts per trial state, best trial, reason")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await client(ctx);
      const { status } = (await api.studyStatus(id, opts.namespace ?? namespace)) as { status: Status };
      if (opts.json) printJson(ctx.io, status);
      else ctx.io.out(statusText(status));
    },
  );

  withNs(studies.command("trials <ID>").description("Every trial with its parameters and value")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await client(ctx);
      const { trials } = (await api.studyTrials(id, opts.namespace ?? namespace)) as { trials: Json[] };
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
      const { api, namespace } = await client(ctx);
      const res = await api.bestTrial(id, opts.namespace ?? namespace);
      if (opts.json) printJson(ctx.io, res);
      else ctx.io.out(`${JSON.stringify(res.best, null, 2)}\n`);
    },
  );

  withNs(studies.command("cancel <ID>").description("Cancel the study and its running trials")).action(
    async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await client(ctx);
      const { study } = (await api.cancelStudy(id, opts.namespace ?? namespace)) as { study: Status };
      if (opts.json) printJson(ctx.io, study);
      else ctx.io.out(`Study ${study.id} ${study.state}\n`);
    },
  );
}
