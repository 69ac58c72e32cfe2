/**
 * `kinetic repos add|ls|rm`: Git repositories whose pushes build and run
 * (operators only). `add` prints the webhook URL and the secret to paste into
 * GitHub (Settings → Webhooks: content type application/json, "Just the push
 * event") or GitLab (Settings → Webhooks: Secret token, Push events). The
 * secret is printed this once and never again: the API does not keep a way
 * to show it.
 */
import { Option, type Command } from "commander";
import type { RepoView } from "../../shared/client/build-client.ts";
import type { CliContext } from "../context.ts";
import { age, formatTable, printJson } from "../output.ts";
import { buildClient } from "./build.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

function hookUrl(repo: RepoView): string {
  return repo.hookUrl ?? `<the pushHook function's URL>${repo.hookPath}`;
}

export function registerReposCommands(program: Command, ctx: CliContext): void {
  const repos = program.command("repos").description("Git repositories whose pushes build images and run jobs");

  repos
    .command("add <REPOSITORY>")
    .description("Register owner/name (GitHub) or group/project (GitLab); prints the webhook URL and secret once")
    .addOption(
      new Option("--provider <FORGE>", "where the hook comes from").choices(["github", "gitlab"]).default("github"),
    )
    .requiredOption("--base-image <REF>", "image the repository's code is built on")
    .addOption(
      new Option("--accelerator <KIND>", "accelerator category of the image")
        .choices(["cpu", "gpu", "tpu"])
        .default("cpu"),
    )
    .option(
      "--branch <GLOB>",
      "a branch that builds (repeatable; * within a segment, ** across); default: every branch",
      collect,
    )
    .option("--namespace <NS>", "namespace of the job file's jobs (default: the configured one)")
    .option("--requirements <PATH>", "requirements file in the repository (default: requirements.txt when present)")
    .option("--subdir <PATH>", "folder of the repository that is the build context and holds kinetic.jobs.yaml")
    .option("--clone-url <URL>", "where to fetch commits (default: the clone URL the push names)")
    .option("--image-repository <REPO>", "registry/path the images go to (default: the deployment's)")
    .option("--json", "machine-readable output (includes the secret)")
    .action(
      async (
        repository: string,
        opts: {
          provider: string;
          baseImage: string;
          accelerator: string;
          branch?: string[];
          namespace?: string;
          requirements?: string;
          subdir?: string;
          cloneUrl?: string;
          imageRepository?: string;
          json?: boolean;
        },
      ) => {
        const { api, namespace } = await buildClient(ctx);
        const { repo, secret } = await api.addRepo({
          provider: opts.provider,
          repository,
          branches: opts.branch ?? [],
          namespace: opts.namespace ?? namespace ?? "default",
          ...(opts.cloneUrl ? { cloneUrl: opts.cloneUrl } : {}),
          build: {
            baseImage: opts.baseImage,
            accelerator: opts.accelerator,
            ...(opts.requirements ? { requirementsPath: opts.requirements } : {}),
            ...(opts.subdir ? { subdir: opts.subdir } : {}),
            ...(opts.imageRepository ? { imageRepository: opts.imageRepository } : {}),
          },
        });
        if (opts.json) return printJson(ctx.io, { repo, secret });
        const forge =
          repo.provider === "github"
            ? "GitHub: Settings → Webhooks → Add webhook; content type application/json; just the push event"
            : "GitLab: Settings → Webhooks; Secret token; trigger: Push events";
        ctx.io.out(
          [
            `Registered ${repo.repository} as ${repo.id} (jobs run in ${repo.namespace}).`,
            `Webhook URL:  ${hookUrl(repo)}`,
            `Secret:       ${secret}`,
            `Paste both in ${forge}.`,
            "The secret is shown only now; to replace it, remove and add the repository again.",
            "",
          ].join("\n"),
        );
      },
    );

  repos
    .command("ls")
    .description("Registered repositories and their last push")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const { api } = await buildClient(ctx);
      const list = await api.listRepos();
      if (opts.json) return printJson(ctx.io, { repos: list });
      const rows = list.map((r) => [
        r.id,
        r.repository,
        r.branches.join(",") || "*",
        r.namespace,
        r.lastPush ? `${r.lastPush.status} ${r.lastPush.commit.slice(0, 8)} ${age(r.lastPush.at)}` : "-",
        hookUrl(r),
      ]);
      ctx.io.out(
        list.length
          ? formatTable(["ID", "REPOSITORY", "BRANCHES", "NAMESPACE", "LAST PUSH", "WEBHOOK URL"], rows)
          : "No repositories.\n",
      );
    });

  repos
    .command("rm <ID>")
    .description("Remove a registration and its secret; its webhook answers 401 from then on")
    .action(async (id: string) => {
      const { api } = await buildClient(ctx);
      await api.removeRepo(id);
      ctx.io.out(`Removed ${id}.\n`);
    });
}
