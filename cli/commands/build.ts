/**
 * `kinetic build DIR` and `kinetic builds ls|status|logs`: image builds over
 * the API's build routes. `build` sends DIR as the context (the API reads it
 * with `.kineticignore` applied and keys the build on the kept files, so the
 * same content is never built twice), prints the key, then "up to date" or
 * the build's progress with its log, and exits 4 when the build fails.
 *
 * A directory context is read by the API on its own machine, so `kinetic
 * build DIR` works against the local stack (`npm start`); a deployed stack
 * builds pushed commits (`kinetic repos add`, then git push).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { BuildApiClient, type BuildView } from "../../shared/client/build-client.ts";
import { tokenProvider } from "../../shared/client/token.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import { invalid } from "../../shared/errors.ts";
import type { CliContext } from "../context.ts";
import { EXIT, ExitRequest } from "../exit-codes.ts";
import { age, formatTable, printJson } from "../output.ts";

const POLL_MS = 1_000;

export async function buildClient(ctx: CliContext): Promise<{ api: BuildApiClient; namespace?: string }> {
  const config = await ctx.config();
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  const api = new BuildApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, ctx.env),
  });
  const namespace = config.settings.namespace.value;
  return { api, ...(namespace ? { namespace } : {}) };
}

/** requirements: the named file, else DIR/requirements.txt when there is one. */
export async function requirementsFor(dir: string, file: string | undefined): Promise<string | undefined> {
  const path = file ? resolve(file) : join(dir, "requirements.txt");
  if (!file && !existsSync(path)) return undefined;
  try {
    return await readFile(path, "utf8");
  } catch {
    throw invalid(`cannot read the requirements file ${path}`, [{ field: "requirements", message: "unreadable" }]);
  }
}

function statusText(b: BuildView): string {
  const rows: Array<[string, string | undefined]> = [
    ["id", b.id],
    ["state", b.state],
    ["reason", b.reason],
    ["message", b.message],
    ["image", b.image],
    ["digest", b.digest],
    ["base image", b.baseImage],
    ["accelerator", b.accelerator],
    ["created", b.createdAt],
    ["duration", b.durationMs === undefined ? undefined : `${(b.durationMs / 1000).toFixed(1)} s`],
  ];
  let text = rows
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${(k + ":").padEnd(13)}${v}`)
    .join("\n");
  const pkgs = Object.entries(b.resolvedPackages ?? {});
  if (pkgs.length) text += `\npackages:    ${pkgs.map(([n, v]) => `${n}==${v}`).join(", ")}`;
  return text + "\n";
}

/** Polls until the build ends, printing each new log line once; resolves to the final record. */
export async function followBuild(
  ctx: CliContext,
  api: BuildApiClient,
  id: string,
  namespace: string | undefined,
): Promise<BuildView> {
  let printed: string[] = [];
  let state = "";
  for (;;) {
    const b = await api.getBuild(id, namespace);
    if (b.state !== state) ctx.io.err(`build ${b.state}${b.reason ? ` (${b.reason})` : ""}\n`);
    state = b.state;
    const tail = b.logTail ?? [];
    // The record keeps a tail: print what follows the last line already shown.
    const overlap = printed.length ? tail.lastIndexOf(printed[printed.length - 1]!) : -1;
    for (const line of tail.slice(overlap + 1)) ctx.io.err(`  | ${line}\n`);
    printed = tail;
    if (b.state === "SUCCEEDED" || b.state === "FAILED") return b;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function registerBuildCommands(program: Command, ctx: CliContext): void {
  program
    .command("build <DIR>")
    .description("Build an image from DIR (honouring .kineticignore); nothing is built when it is up to date")
    .requiredOption("--base-image <REF>", "image to build on (a tag or a digest reference)")
    .addOption(new Option("--accelerator <KIND>", "accelerator category").choices(["cpu", "gpu", "tpu"]).default("cpu"))
    .option("--requirements <FILE>", "pip requirements (default: DIR/requirements.txt when present)")
    .option("--repository <REPO>", "registry/path the image goes to (default: the deployment's)")
    .option("--refresh <TOKEN>", "a deliberate rebuild: any new value re-resolves unpinned requirements")
    .option("--retry-failed", "start a new attempt when the last build of these inputs failed")
    .option("--namespace <NS>", "namespace the build is requested for (default: the configured one)")
    .option("--json", "machine-readable output (the final build)")
    .action(
      async (
        dirArg: string,
        opts: {
          baseImage: string;
          accelerator: string;
          requirements?: string;
          repository?: string;
          refresh?: string;
          retryFailed?: boolean;
          namespace?: string;
          json?: boolean;
        },
      ) => {
        const dir = resolve(dirArg);
        const { api, namespace: configured } = await buildClient(ctx);
        const namespace = opts.namespace ?? configured ?? "default";
        const requirements = await requirementsFor(dir, opts.requirements);
        const answer = await api.requestBuild(
          namespace,
          {
            context: { kind: "dir", path: dir },
            baseImage: opts.baseImage,
            accelerator: opts.accelerator,
            ...(requirements ? { requirements } : {}),
            ...(opts.repository ? { repository: opts.repository } : {}),
            ...(opts.refresh ? { refresh: opts.refresh } : {}),
          },
          { retryFailed: opts.retryFailed === true },
        );
        ctx.io.err(`key ${answer.key}\n`);
        if (answer.status === "up-to-date") {
          if (opts.json) printJson(ctx.io, answer);
          else ctx.io.out(`up to date: ${answer.image}${answer.digest ? `@${answer.digest}` : ""}\n`);
          return;
        }
        if (!answer.build) throw invalid("the API answered without a build");
        if (answer.status === "joined") ctx.io.err(`joining build ${answer.build.id}, already under way\n`);
        const end = answer.status === "failed" ? answer.build : await followBuild(ctx, api, answer.build.id, namespace);
        if (opts.json) printJson(ctx.io, { status: end.state, build: end });
        else if (end.state === "SUCCEEDED") ctx.io.out(`built ${end.image}@${end.digest ?? "?"}\n`);
        else {
          ctx.io.out(`build ${end.id} FAILED (${end.reason ?? "Failed"})${end.message ? `: ${end.message}` : ""}\n`);
          for (const line of (end.logTail ?? []).slice(-20)) ctx.io.out(`  | ${line}\n`);
        }
        if (end.state !== "SUCCEEDED") throw new ExitRequest(EXIT.jobFailed);
      },
    );

  const builds = program.command("builds").description("Inspect image builds");
  const nsOption = (c: Command) =>
    c.option("--namespace <NS>", "the namespace the build was requested for (default: the configured one)");

  nsOption(builds.command("ls").description("Builds of the namespace, newest first"))
    .option("--all", "every build (operators)")
    .option("--limit <N>", "at most N builds", "20")
    .option("--json", "machine-readable output")
    .action(async (opts: { namespace?: string; all?: boolean; limit: string; json?: boolean }) => {
      const { api, namespace } = await buildClient(ctx);
      const list = await api.listBuilds({
        ...(opts.all ? {} : { namespace: opts.namespace ?? namespace ?? "default" }),
        limit: Number(opts.limit),
      });
      if (opts.json) return printJson(ctx.io, { builds: list });
      const rows = list.map((b) => [
        b.id.slice(0, 12) + "…-" + b.attempt,
        b.state,
        b.reason ?? "",
        age(b.createdAt),
        b.image,
      ]);
      ctx.io.out(list.length ? formatTable(["BUILD", "STATE", "REASON", "AGE", "IMAGE"], rows) : "No builds.\n");
    });

  nsOption(builds.command("status <ID>").description("State, image, digest, resolved packages of a build"))
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { namespace?: string; json?: boolean }) => {
      const { api, namespace } = await buildClient(ctx);
      const b = await api.getBuild(id, opts.namespace ?? namespace);
      if (opts.json) printJson(ctx.io, { build: b });
      else ctx.io.out(statusText(b));
    });

  nsOption(builds.command("logs <ID>").description("The build's log tail"))
    .option("-f, --follow", "keep printing until the build ends")
    .action(async (id: string, opts: { namespace?: string; follow?: boolean }) => {
      const { api, namespace } = await buildClient(ctx);
      const ns = opts.namespace ?? namespace;
      if (opts.follow) {
        const end = await followBuild(ctx, api, id, ns);
        if (end.state !== "SUCCEEDED") throw new ExitRequest(EXIT.jobFailed);
        return;
      }
      ctx.io.out(await api.buildLogs(id, ns));
    });
}

/**
 * `kinetic jobs submit --build DIR`: the spec's `build` with DIR as its context (and DIR/requirements.txt when
 * the spec names no requirements); `--base-image` fills a build that names no base. The job waits in BUILDING.
 */
export async function withBuild(
  spec: Record<string, unknown>,
  dirArg: string,
  baseImage: string | undefined,
): Promise<Record<string, unknown>> {
  const dir = resolve(dirArg);
  const given = typeof spec.build === "object" && spec.build !== null ? (spec.build as Record<string, unknown>) : {};
  const requirements = given.requirements === undefined ? await requirementsFor(dir, undefined) : undefined;
  const { image: _image, ...rest } = spec;
  return {
    ...rest,
    build: {
      ...given,
      context: { kind: "dir", path: dir },
      ...(baseImage && given.baseImage === undefined ? { baseImage } : {}),
      ...(requirements ? { requirements } : {}),
    },
  };
}
