/**
 * `kinetic init`: first-time setup of a project and cluster for this machine.
 * It checks the credentials and the project, creates the state bucket
 * gs://{project}-kinetic-state if it is missing (idempotent; another admin's
 * bucket is left as it is), and writes a profile for the cluster, so the
 * next step is `kinetic up`. `kinetic init --troubleshoot` runs every
 * prerequisite check in order (init-checks.ts) and exits 1 if one fails.
 */
import type { Command } from "commander";
import type * as GoogleApisModule from "../../infra/google-apis.ts";
import type { GoogleApis, Credentials } from "../../infra/google-apis.ts";
import { stackName, stateBackendUrl } from "../../infra/naming.ts";
import { updateProfiles } from "../../shared/config/profiles.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import { parseProfileName, regionOf } from "../../shared/config/validators.ts";
import { ConfigError } from "../../shared/config/errors.ts";
import type { CliContext } from "../context.ts";
import { EXIT, ExitRequest } from "../exit-codes.ts";
import type { Target } from "./init-checks.ts";

export interface InitDeps {
  /** The Google APIs and credentials (real ones load google-auth-library lazily). */
  google: () => Promise<{ apis: GoogleApis; credentials: Credentials }>;
}

const defaults: InitDeps = {
  google: async () => {
    const m: typeof GoogleApisModule = await import("../../infra/google-apis.ts");
    const credentials = m.adcCredentials();
    return { apis: m.googleApis(credentials), credentials };
  },
};

async function targetOf(ctx: CliContext): Promise<Target> {
  const config = await ctx.config();
  return {
    project: requireSetting(config, "project"),
    zone: requireSetting(config, "zone"),
    cluster: requireSetting(config, "cluster"),
    namespace: requireSetting(config, "namespace"),
  };
}

export function registerInitCommands(program: Command, ctx: CliContext, overrides: Partial<InitDeps> = {}): void {
  const deps: InitDeps = { ...defaults, ...overrides };
  const say = (line: string) => ctx.io.out(`${line}\n`);
  program
    .command("init")
    .description("First-time setup: check prerequisites, create the state bucket, write a profile for the cluster")
    .option("--troubleshoot", "check every prerequisite in order, one line each with its fix")
    .option("--profile-name <NAME>", "name of the profile to write (default: {project}-{cluster})")
    .action(async (o: { troubleshoot?: boolean; profileName?: string }) => {
      const t = await targetOf(ctx);
      // Loaded only when init runs: the Google client libraries stay out of every other command.
      const [{ formatCheck, troubleshoot }, { ensureStateBucket }] = await Promise.all([
        import("./init-checks.ts"),
        import("../../infra/state.ts"),
      ]);
      const { apis, credentials } = await deps.google();
      if (o.troubleshoot) {
        const results = await troubleshoot(t, apis, credentials);
        for (const r of results) say(formatCheck(r));
        if (results.some((r) => r.status !== "ok")) throw new ExitRequest(EXIT.error);
        return;
      }
      // Credentials and project first: nothing is created for a project we cannot see.
      const first = (await troubleshoot(t, apis, credentials)).slice(0, 2);
      for (const r of first) say(formatCheck(r));
      if (first.some((r) => r.status !== "ok")) throw new ExitRequest(EXIT.error);

      const bucket = await ensureStateBucket(apis.buckets, t.project, regionOf(t.zone), (m) => say(`warning: ${m}`));
      say(
        bucket === "created"
          ? `created state bucket ${stateBackendUrl(t.project)}`
          : `state bucket ${stateBackendUrl(t.project)} exists${bucket === "exists-unreadable" ? " (its settings are not readable to you)" : ""}`,
      );

      const name = o.profileName ?? `${t.project}-${t.cluster}`;
      const valid = parseProfileName(name);
      if (!valid.ok)
        throw new ConfigError(`invalid profile name "${name}": ${valid.reason}`, { hint: "pass --profile-name" });
      const file = (await ctx.config()).profilesFile.path;
      const wrote = await updateProfiles(file, (store) => {
        const profile = { project: t.project, zone: t.zone, cluster: t.cluster, namespace: t.namespace };
        const existing = store.profiles[name];
        const same =
          existing && existing.project === t.project && existing.zone === t.zone && existing.cluster === t.cluster;
        if (existing && !same)
          throw new ConfigError(`profile ${name} exists with other settings`, {
            hint: `pick another name with --profile-name, or remove it: kinetic profile rm ${name}`,
          });
        store.profiles[name] = existing ?? profile;
        if (store.current === null) store.current = name;
        return existing ? "kept" : "written";
      });
      say(`profile ${name} ${wrote} (stack ${stackName(t.project, t.cluster)})`);
      say("next: kinetic up, then kinetic init --troubleshoot to check the deployment");
    });
}
