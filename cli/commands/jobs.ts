/**
 * `kinetic jobs submit|list|status|logs|cancel`: the job lifecycle over the
 * HTTP API (or, for submit, a Pub/Sub job message). Tables for people, --json
 * for scripts; waiting shows a spinner on a terminal only.
 */
import { Option, type Command } from "commander";
import type { JobRecord } from "../../shared/schemas/job-record.ts";
import { JOB_STATES, isTerminal, type JobState } from "../../shared/schemas/job-state.ts";
import { ApiError, type KineticApiClient } from "../../shared/client/api-client.ts";
import { readJobSpec } from "../../shared/client/job-spec-file.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import { invalid } from "../../shared/errors.ts";
import { applyNamespace, applyOutputDir } from "../../shared/sdk.ts";
import type { CliContext } from "../context.ts";
import { EXIT, ExitRequest } from "../exit-codes.ts";
import { age, formatTable, printJson, Spinner } from "../output.ts";
import { withBuild } from "./build.ts";

const POLL_MS = { first: 1_000, max: 5_000 };

function positiveInt(name: string) {
  return (raw: string): number => {
    if (!/^[0-9]+$/.test(raw) || Number(raw) < 1)
      throw invalid(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`, [
        { field: name, message: "expected a positive integer" },
      ]);
    return Number(raw);
  };
}

function parseState(raw: string): JobState {
  const up = raw.toUpperCase();
  if ((JOB_STATES as readonly string[]).includes(up)) return up as JobState;
  throw invalid(`--state must be one of ${JOB_STATES.join(", ")}, got ${JSON.stringify(raw)}`, [
    { field: "state", message: `expected one of ${JOB_STATES.join(", ")}` },
  ]);
}

function jobSummary(job: JobRecord): string {
  const rows: Array<[string, string | undefined]> = [
    ["id", job.id],
    ["state", job.state],
    ["namespace", job.namespace],
    ["accelerator", job.accelerator],
    ["image", job.image],
    ["created", job.createdAt],
    ["started", job.startedAt],
    ["finished", job.finishedAt],
    ["reason", job.reason],
    ["message", job.message],
    ["exit code", job.exitCode === undefined ? undefined : String(job.exitCode)],
    ["workload", job.workload ? `${job.workload.kind} ${job.workload.namespace}/${job.workload.name}` : undefined],
    ["attempt", job.attempt && job.attempt > 1 ? String(job.attempt) : undefined],
    ["outputs", job.outputDir],
  ];
  let text = rows
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${(k + ":").padEnd(13)}${v}`)
    .join("\n");
  text += "\n";
  if (job.attempts && job.attempts.length > 1) {
    text += "\nAttempts:\n";
    text += formatTable(
      ["#", "WORKLOAD", "STARTED", "ENDED", "OUTCOME", "REASON"],
      job.attempts.map((a) => [
        String(a.attempt),
        a.workload,
        a.startedAt ?? "",
        a.endedAt ?? "",
        a.outcome ?? "running",
        a.reason ?? "",
      ]),
    );
  }
  if (job.events?.length) {
    text += "\nEvents:\n";
    text += formatTable(
      ["AT", "STATE", "REASON", "MESSAGE"],
      job.events.map((e) => [e.at, e.state, e.reason, e.message ?? ""]),
    );
  }
  return text;
}

/** Polls until the job is terminal; a 404 right after a Pub/Sub publish means "not recorded yet". */
async function waitForJob(ctx: CliContext, api: KineticApiClient, id: string, namespace?: string): Promise<JobRecord> {
  const spinner = new Spinner(ctx.io);
  spinner.start(`waiting for job ${id}`);
  let delay = POLL_MS.first;
  try {
    for (;;) {
      let job: JobRecord | undefined;
      try {
        job = await api.getJob(id, namespace ? { namespace } : {});
      } catch (err) {
        if (!(err instanceof ApiError && err.code === "not-found")) throw err;
      }
      if (job && isTerminal(job.state)) return job;
      spinner.update(`job ${id}: ${job ? job.state + (job.reason ? ` (${job.reason})` : "") : "not recorded yet"}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(POLL_MS.max, Math.round(delay * 1.5));
    }
  } finally {
    spinner.stop();
  }
}

function finish(ctx: CliContext, job: JobRecord, json: boolean): void {
  if (json) printJson(ctx.io, { job });
  else
    ctx.io.out(
      `Job ${job.id} ended: ${job.state}${job.reason ? ` (${job.reason})` : ""}${job.message ? `: ${job.message}` : ""}\n`,
    );
  if (job.state !== "SUCCEEDED") throw new ExitRequest(EXIT.jobFailed);
}

const NAMESPACE_HELP = "the job's namespace (default: find the id among the namespaces you may use)";

function ref(opts: { namespace?: string }): { namespace?: string } {
  return opts.namespace ? { namespace: opts.namespace } : {};
}

interface SubmitOptions {
  file: string;
  via: "http" | "pubsub";
  wait?: boolean;
  json?: boolean;
  /** --build DIR: the job's image is built from DIR first (its spec gets a `build`). */
  build?: string;
  baseImage?: string;
}

export function registerJobsCommands(program: Command, ctx: CliContext): void {
  const jobs = program.command("jobs").description("Submit and inspect jobs");

  jobs
    .command("submit")
    .description("Submit a job spec (job.yaml or job.json)")
    .requiredOption("-f, --file <path>", "job spec file (.yaml, .yml or .json)")
    .addOption(new Option("--via <path>", "submission path").choices(["http", "pubsub"]).default("http"))
    .option("--wait", "wait until the job ends; exit 4 unless it SUCCEEDED")
    .option("--build <DIR>", "build the job's image from DIR first (sets the spec's `build`; local stack)")
    .option("--base-image <REF>", "with --build: the image to build on, when the spec's build names none")
    .option("--json", "machine-readable output")
    .action(async (opts: SubmitOptions) => {
      const read = await readJobSpec(opts.file);
      const raw = opts.build ? await withBuild(read, opts.build, opts.baseImage) : read;
      const config = await ctx.config();
      const spec = applyOutputDir(applyNamespace(raw, config), config);
      let jobId: string;
      if (opts.via === "pubsub") {
        const project = requireSetting(config, "project");
        const { publishJob } = await import("../../shared/client/pubsub-publish.ts");
        const spinner = new Spinner(ctx.io);
        spinner.start(`publishing to Pub/Sub in ${project}`);
        const cluster = config.settings.cluster.value;
        const published = await publishJob(spec, { project, ...(cluster ? { cluster } : {}) }).finally(() =>
          spinner.stop(),
        );
        jobId = published.jobId;
        if (!opts.wait) {
          if (opts.json) printJson(ctx.io, published);
          else ctx.io.out(`Published job ${published.jobId} to ${published.topic} (message ${published.messageId})\n`);
          return;
        }
        ctx.io.err(`Published job ${published.jobId} (message ${published.messageId})\n`);
      } else {
        const api = await ctx.api();
        const { job, created } = await api.submitJob(spec);
        jobId = job.id;
        if (!opts.wait) {
          if (opts.json) printJson(ctx.io, { job, created });
          else ctx.io.out(`${created ? "Submitted" : "Already exists:"} job ${job.id} (${job.state})\n`);
          return;
        }
        ctx.io.err(`${created ? "Submitted" : "Already exists:"} job ${job.id} (${job.state})\n`);
      }
      const namespace = typeof spec.namespace === "string" ? spec.namespace : undefined;
      finish(ctx, await waitForJob(ctx, await ctx.api(), jobId, namespace), Boolean(opts.json));
    });

  jobs
    .command("list")
    .alias("ls")
    .description("List jobs in the configured namespace (-A for all)")
    .option("--state <STATE>", `only jobs in this state (${JOB_STATES.join(", ")})`, parseState)
    .option("--namespace <NS>", "namespace to list (default: the configured namespace)")
    .option("--accelerator <NAME>", "only jobs of this accelerator (nvidia-l4, tpu-v6e-8, cpu…)")
    .option("-A, --all-namespaces", "list jobs in every namespace")
    .option("--limit <N>", "page size", positiveInt("limit"))
    .option("--cursor <CURSOR>", "continue from a previous page")
    .option("--json", "machine-readable output")
    .action(
      async (opts: {
        state?: JobState;
        namespace?: string;
        accelerator?: string;
        allNamespaces?: boolean;
        limit?: number;
        cursor?: string;
        json?: boolean;
      }) => {
        const config = await ctx.config();
        const namespace = opts.allNamespaces ? undefined : (opts.namespace ?? config.settings.namespace.value);
        const api = await ctx.api();
        const page = await api.listJobs({
          state: opts.state,
          namespace,
          accelerator: opts.accelerator,
          limit: opts.limit,
          cursor: opts.cursor,
        });
        if (opts.json) {
          printJson(ctx.io, page);
          return;
        }
        if (page.jobs.length === 0) ctx.io.out(`No jobs${namespace ? ` in namespace ${namespace}` : ""}.\n`);
        else
          ctx.io.out(
            formatTable(
              ["ID", "STATE", "NAMESPACE", "ACCELERATOR", "AGE", "REASON"],
              page.jobs.map((j) => [j.id, j.state, j.namespace, j.accelerator, age(j.createdAt), j.reason ?? ""]),
            ),
          );
        if (page.nextCursor) ctx.io.err(`More jobs: kinetic jobs list --cursor ${page.nextCursor}\n`);
      },
    );

  jobs
    .command("status")
    .alias("get")
    .description("Show a job and its events")
    .argument("<id>", "job id")
    .option("--namespace <NS>", NAMESPACE_HELP)
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const job = await (await ctx.api()).getJob(id, ref(opts));
      if (opts.json) printJson(ctx.io, { job });
      else ctx.io.out(jobSummary(job));
    });

  jobs
    .command("logs")
    .description("Print a job's logs")
    .argument("<id>", "job id")
    .option("-f, --follow", "stream until the job ends")
    .option("--worker <N>", "worker index (default: the server's choice, worker 0)", (v) => {
      if (!/^[0-9]+$/.test(v))
        throw invalid(`--worker must be a worker index (0, 1, …), got ${JSON.stringify(v)}`, [
          { field: "worker", message: "expected a non-negative integer" },
        ]);
      return Number(v);
    })
    .option("--tail <N>", "only the last N lines", positiveInt("tail"))
    .option("--namespace <NS>", NAMESPACE_HELP)
    .action(async (id: string, opts: { follow?: boolean; worker?: number; tail?: number; namespace?: string }) => {
      const api = await ctx.api();
      const query = { worker: opts.worker, tail: opts.tail, ...ref(opts) };
      if (!opts.follow) {
        ctx.io.out(await api.logs(id, query));
        return;
      }
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      try {
        for await (const chunk of api.followLogs(id, query, abort.signal)) ctx.io.out(chunk);
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      } finally {
        process.off("SIGINT", stop);
      }
    });

  jobs
    .command("cancel")
    .description("Cancel a job")
    .argument("<id>", "job id")
    .option("--namespace <NS>", `${NAMESPACE_HELP}; with it, a cancel also stops a submission still on its way`)
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const job = await (await ctx.api()).cancelJob(id, ref(opts));
      if (opts.json) printJson(ctx.io, { job });
      else ctx.io.out(`Job ${job.id}: ${job.state}\n`);
    });
}
