/**
 * `kinetic tune -f study.json [--wait]`: creates a tuning study (POST
 * /studies; tuneStudy starts its trials). With --wait it follows the study
 * until it ends, prints its status with the best trial, and exits 0 only when
 * the study Succeeded (goal reached, every trial run, or the grid exhausted);
 * a Failed or Cancelled study exits 4, like a failed job.
 */
import type { Command } from "commander";
import { readJobSpec } from "../../shared/client/job-spec-file.ts";
import { waitForStudy, withTrialNamespace, type StudyStatusView } from "../../shared/client/study-client.ts";
import type { CliContext } from "../context.ts";
import { EXIT, ExitRequest } from "../exit-codes.ts";
import { printJson, Spinner } from "../output.ts";
import { studyClient } from "./study-client.ts";

/** How `kinetic tune --wait` and `kinetic studies status` show a study. */
export function statusText(s: StudyStatusView): string {
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
    ...(s.best && Object.keys(s.best.metrics).length ? [`metrics:    ${JSON.stringify(s.best.metrics)}`] : []),
    ...s.notes.map((n) => `note:       ${n}`),
  ];
  return lines.join("\n") + "\n";
}

export function registerTuneCommand(program: Command, ctx: CliContext): void {
  program
    .command("tune")
    .description("Create a tuning study from a study spec file")
    .requiredOption("-f, --file <PATH>", "study spec (JSON or YAML)")
    .option("--wait", "follow the study until it ends, print the best trial; exit 0 only if it succeeded")
    .option("--json", "print the API's objects")
    .action(async (opts: { file: string; wait?: boolean; json?: boolean }) => {
      const { api, namespace } = await studyClient(ctx);
      const spec = withTrialNamespace(await readJobSpec(opts.file), namespace);
      const study = await api.createStudy(spec);
      if (!opts.wait) {
        if (opts.json) printJson(ctx.io, study);
        else ctx.io.out(`Study ${study.namespace}/${study.id} (${study.state})\n`);
        return;
      }
      const spinner = new Spinner(ctx.io);
      spinner.start(`study ${study.id}`);
      const status = await waitForStudy(api, study.id, study.namespace, {
        onProgress: (s) => spinner.update(`study ${s.id}: ${s.state}, ${s.counts.succeeded} succeeded of ${s.planned}`),
      });
      spinner.stop();
      if (opts.json) printJson(ctx.io, status);
      else ctx.io.out(statusText(status));
      if (status.state !== "SUCCEEDED") throw new ExitRequest(EXIT.jobFailed);
    });
}
