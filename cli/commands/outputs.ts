/**
 * `kinetic jobs outputs ID [--download DIR]`: a job's durable outputs (its
 * KINETIC_OUTPUT_DIR), listed or fetched through the API with the caller's
 * namespace rights — also after the pods and the Kubernetes Job are gone.
 * A download writes each file under DIR at its relative path (folders
 * created), through a temp file renamed into place, so an interrupted
 * download never leaves a file that looks whole.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { Command } from "commander";
import type { KineticApiClient } from "../../shared/client/api-client.ts";
import { invalid } from "../../shared/errors.ts";
import type { CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";

function humanSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** Fetches every listed file into `dir`; returns how many files and bytes were written. */
export async function downloadOutputs(
  api: KineticApiClient,
  id: string,
  dir: string,
  ref: { namespace?: string } = {},
): Promise<{ files: number; bytes: number; outputDir: string }> {
  const listing = await api.listOutputs(id, ref);
  const root = resolve(dir);
  let bytes = 0;
  for (const file of listing.files) {
    const target = resolve(root, ...file.path.split("/"));
    // The server already refuses such paths; a client never writes outside the folder it was given anyway.
    if (!target.startsWith(root + sep))
      throw invalid(`refusing to write ${file.path} outside ${root}`, [{ field: "path", message: "outside DIR" }]);
    await mkdir(dirname(target), { recursive: true });
    const res = await api.openOutput(id, file.path, { namespace: listing.namespace });
    const tmp = `${target}.kinetic-partial`;
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(tmp));
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    bytes += file.size;
  }
  return { files: listing.files.length, bytes, outputDir: listing.outputDir };
}

export function registerOutputsCommand(program: Command, ctx: CliContext): void {
  const jobs = program.commands.find((c) => c.name() === "jobs");
  if (!jobs) throw new Error("the jobs command must be registered before its outputs subcommand");
  jobs
    .command("outputs")
    .description("List a job's outputs (its KINETIC_OUTPUT_DIR), or fetch them with --download")
    .argument("<id>", "job id")
    .option("--namespace <NS>", "the job's namespace (default: find the id among the namespaces you may use)")
    .option("--download <DIR>", "fetch every output file into DIR, keeping relative paths")
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { namespace?: string; download?: string; json?: boolean }) => {
      const api = await ctx.api();
      const ref = opts.namespace ? { namespace: opts.namespace } : {};
      if (opts.download) {
        const result = await downloadOutputs(api, id, opts.download, ref);
        if (opts.json) printJson(ctx.io, { ...result, dir: resolve(opts.download) });
        else
          ctx.io.out(
            `Downloaded ${result.files} file(s), ${humanSize(result.bytes)}, from ${result.outputDir} to ${join(resolve(opts.download))}\n`,
          );
        return;
      }
      const listing = await api.listOutputs(id, ref);
      if (opts.json) {
        printJson(ctx.io, listing);
        return;
      }
      ctx.io.out(`Outputs of ${listing.namespace}/${listing.jobId} in ${listing.outputDir}\n`);
      if (!listing.files.length) {
        ctx.io.out("(no files yet)\n");
        return;
      }
      ctx.io.out(
        formatTable(
          ["PATH", "SIZE", "UPDATED"],
          listing.files.map((f) => [f.path, humanSize(f.size), f.updated ?? ""]),
        ),
      );
    });
}

/** `kinetic jobs preempt ID`: local mode acts out a spot reclaim; the job resumes as its next attempt. */
export function registerPreemptCommand(program: Command, ctx: CliContext): void {
  const jobs = program.commands.find((c) => c.name() === "jobs");
  if (!jobs) throw new Error("the jobs command must be registered before its preempt subcommand");
  jobs
    .command("preempt")
    .description("Stop a running job as a spot preemption would (local mode); it resumes from its checkpoint")
    .argument("<id>", "job id")
    .option("--namespace <NS>", "the job's namespace")
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const api = await ctx.api();
      const result = await api.preemptJob(id, opts.namespace ? { namespace: opts.namespace } : {});
      if (opts.json) printJson(ctx.io, result);
      else
        ctx.io.out(
          result.preempted
            ? `Preempted job ${result.job.id}: attempt ${result.job.attempt ?? 1} stopped; the next attempt resumes from its checkpoint dir\n`
            : `Job ${result.job.id} was not running: nothing preempted\n`,
        );
    });
}
