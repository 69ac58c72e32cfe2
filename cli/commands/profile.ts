/**
 * `kinetic profile create|ls|use|show|rm`: named bundles of project, zone,
 * cluster and namespace in the profiles store. Every change goes through
 * updateProfiles (lock + atomic rename), and a broken store stops the command
 * before anything is prompted or written.
 */
import type { Command } from "commander";
import { ConfigError } from "../../shared/config/errors.ts";
import { gcloudProject } from "../../shared/config/gcloud.ts";
import {
  getProfile,
  notFoundHint,
  PROFILE_FIELDS,
  profilesFilePath,
  readProfiles,
  updateProfiles,
  type Profile,
  type ProfileField,
} from "../../shared/config/profiles.ts";
import { chooseProfile } from "../../shared/config/resolve.ts";
import { SETTINGS } from "../../shared/config/settings.ts";
import { ProfileNotFoundError } from "../../shared/config/errors.ts";
import { parseHttpUrl, parseProfileName, type Parsed } from "../../shared/config/validators.ts";
import type { CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";

type FieldFlags = Partial<Record<ProfileField | "apiUrl", string>>;

function checkName(name: string): string {
  const r = parseProfileName(name);
  if (!r.ok)
    throw new ConfigError(`invalid profile name ${JSON.stringify(name)}: ${r.reason}`, {
      issues: [{ field: "name", message: r.reason }],
    });
  return name;
}

function checkField(field: ProfileField | "apiUrl", raw: string, from: string): string {
  const parse: (raw: string) => Parsed<string> = field === "apiUrl" ? parseHttpUrl : SETTINGS[field].parse;
  const r = parse(raw);
  if (!r.ok)
    throw new ConfigError(`invalid ${field} ${JSON.stringify(raw)} (from ${from}): ${r.reason}`, {
      issues: [{ field, message: r.reason }],
    });
  return r.value;
}

async function promptDefaults(
  env: Record<string, string | undefined>,
): Promise<Record<ProfileField, string | undefined>> {
  return {
    project: env.GOOGLE_CLOUD_PROJECT || (await gcloudProject(env)),
    zone: SETTINGS.zone.default({}),
    cluster: SETTINGS.cluster.default({}),
    namespace: SETTINGS.namespace.default({}),
  };
}

function describe(name: string, p: Profile): string {
  const rows = [["name", name], ...PROFILE_FIELDS.map((f) => [f, p[f]]), ...(p.apiUrl ? [["apiUrl", p.apiUrl]] : [])];
  return rows.map(([k, v]) => `${(k + ":").padEnd(11)}${v}`).join("\n") + "\n";
}

export function registerProfileCommands(program: Command, ctx: CliContext): void {
  const profile = program.command("profile").description("Manage named profiles (project, zone, cluster, namespace)");
  const file = () => profilesFilePath(ctx.env).path;

  profile
    .command("create")
    .description(
      'Create a profile; missing fields come from KINETIC_* env vars, then prompts (on a terminal); namespace defaults to "default"',
    )
    .argument("[name]", "profile name")
    .option(`${SETTINGS.project.flag} <PROJECT>`, "Google Cloud project")
    .option(`${SETTINGS.zone.flag} <ZONE>`, "zone")
    .option(`${SETTINGS.cluster.flag} <NAME>`, "GKE cluster name")
    .option(`${SETTINGS.namespace.flag} <NS>`, "Kubernetes namespace")
    .option(`${SETTINGS.apiUrl.flag} <URL>`, "API URL (optional; derived from project and zone when absent)")
    .action(async (nameArg: string | undefined, local: FieldFlags) => {
      const path = file();
      await readProfiles(path); // a broken store fails here, before any prompt
      const globals = ctx.flags as FieldFlags;
      const values: FieldFlags = {};
      for (const field of [...PROFILE_FIELDS, "apiUrl"] as const) {
        const fromFlag = local[field] ?? globals[field];
        const envName = SETTINGS[field].env;
        if (fromFlag) values[field] = checkField(field, fromFlag, `flag ${SETTINGS[field].flag}`);
        else if (ctx.env[envName]) values[field] = checkField(field, ctx.env[envName]!, `env ${envName}`);
      }
      // Without a terminal the namespace falls back to Kubernetes' own "default", as every other setting
      // resolves; project, zone and cluster name real infrastructure, so they are never guessed.
      if (!values.namespace && !ctx.io.stdinIsTty) values.namespace = SETTINGS.namespace.default({});
      let name = nameArg === undefined ? undefined : checkName(nameArg);
      const missing = [...(name === undefined ? ["name"] : []), ...PROFILE_FIELDS.filter((f) => !values[f])];
      if (missing.length > 0) {
        if (!ctx.io.stdinIsTty)
          throw new ConfigError(`missing ${missing.join(", ")} for the new profile (no terminal to prompt on)`, {
            issues: missing.map((f) => ({ field: f, message: "required" })),
            hint:
              "pass them as arguments/flags (" +
              missing.map((f) => (f === "name" ? "NAME" : `${SETTINGS[f as ProfileField].flag}`)).join(", ") +
              ") or set the matching KINETIC_* env vars",
          });
        const { input } = await import("@inquirer/prompts");
        const defaults = await promptDefaults(ctx.env);
        if (name === undefined)
          name = await input({
            message: "Profile name:",
            validate: (v) => {
              const r = parseProfileName(v.trim());
              return r.ok || r.reason;
            },
          }).then((v) => v.trim());
        for (const field of PROFILE_FIELDS) {
          if (values[field]) continue;
          values[field] = await input({
            message: `${field[0]!.toUpperCase()}${field.slice(1)}:`,
            default: defaults[field],
            validate: (v) => {
              const r = SETTINGS[field].parse(v.trim());
              return r.ok || r.reason;
            },
          }).then((v) => v.trim());
        }
      }
      const finalName = name!;
      const created: Profile = {
        project: values.project!,
        zone: values.zone!,
        cluster: values.cluster!,
        namespace: values.namespace!,
        ...(values.apiUrl ? { apiUrl: values.apiUrl } : {}),
      };
      const becameActive = await updateProfiles(path, (store) => {
        if (Object.hasOwn(store.profiles, finalName))
          throw new ConfigError(`profile "${finalName}" already exists in ${path}`, {
            code: "already-exists",
            hint: `pick another name, or remove it first with \`kinetic profile rm ${finalName}\``,
          });
        const first = Object.keys(store.profiles).length === 0;
        store.profiles[finalName] = created;
        if (first) store.current = finalName;
        return first;
      });
      ctx.io.out(
        becameActive
          ? `Created profile ${finalName} (active: it is the first profile).\n`
          : `Created profile ${finalName}. Make it active with: kinetic profile use ${finalName}\n`,
      );
    });

  profile
    .command("ls")
    .alias("list")
    .description("List profiles; * marks the effective one")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const path = file();
      const store = await readProfiles(path);
      const effective = chooseProfile({ flags: ctx.flags }, ctx.env, store.current, path);
      if (effective.name !== undefined) getProfile(store, effective.name, path);
      const override = effective.source.kind === "flag" || effective.source.kind === "env";
      if (opts.json) {
        printJson(ctx.io, {
          current: store.current,
          effective: effective.name ?? null,
          override,
          profiles: store.profiles,
        });
        return;
      }
      const names = Object.keys(store.profiles).sort();
      if (names.length === 0) {
        ctx.io.out("No profiles. Create one with: kinetic profile create NAME\n");
        return;
      }
      const rows = names.map((n) => {
        const p = store.profiles[n]!;
        return [n === effective.name ? "*" : "", n, p.project, p.zone, p.cluster, p.namespace];
      });
      ctx.io.out(formatTable(["", "NAME", "PROJECT", "ZONE", "CLUSTER", "NAMESPACE"], rows));
      if (override) ctx.io.out(`Active profile: ${effective.name} (override; stored: ${store.current ?? "none"})\n`);
      else if (effective.name === undefined)
        ctx.io.out("No profile is active. Choose one with: kinetic profile use NAME\n");
    });

  profile
    .command("use")
    .description("Set the stored active profile")
    .argument("<name>", "profile name")
    .action(async (name: string) => {
      checkName(name);
      const path = file();
      await updateProfiles(path, (store) => {
        if (!Object.hasOwn(store.profiles, name))
          throw new ProfileNotFoundError(`profile "${name}" not found in ${path}`, notFoundHint(store, name));
        store.current = name;
      });
      ctx.io.out(`Active profile: ${name}\n`);
    });

  profile
    .command("show")
    .description("Show a profile (the effective one when no name is given)")
    .argument("[name]", "profile name")
    .option("--json", "machine-readable output")
    .action(async (nameArg: string | undefined, opts: { json?: boolean }) => {
      const path = file();
      const store = await readProfiles(path);
      const name =
        nameArg !== undefined
          ? checkName(nameArg)
          : chooseProfile({ flags: ctx.flags }, ctx.env, store.current, path).name;
      if (name === undefined)
        throw new ConfigError("no profile is active", {
          hint: "name one (`kinetic profile show NAME`), or choose one with `kinetic profile use NAME`",
        });
      const p = getProfile(store, name, path);
      if (opts.json) printJson(ctx.io, { name, ...p, active: store.current === name });
      else ctx.io.out(describe(name, p));
    });

  profile
    .command("rm")
    .alias("remove")
    .description("Remove a profile (asks first unless --yes); removing the active one leaves none active")
    .argument("<name>", "profile name")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (name: string, opts: { yes?: boolean }) => {
      checkName(name);
      const path = file();
      const before = await readProfiles(path);
      getProfile(before, name, path);
      if (!opts.yes) {
        if (!ctx.io.stdinIsTty)
          throw new ConfigError(`not removing profile "${name}" without confirmation (no terminal to ask on)`, {
            hint: `pass --yes: kinetic profile rm ${name} --yes`,
          });
        const { confirm } = await import("@inquirer/prompts");
        if (!(await confirm({ message: `Remove profile ${name}?`, default: false }))) {
          ctx.io.out("Kept.\n");
          return;
        }
      }
      const wasActive = await updateProfiles(path, (store) => {
        getProfile(store, name, path);
        delete store.profiles[name];
        const active = store.current === name;
        if (active) store.current = null;
        return active;
      });
      ctx.io.out(`Removed profile ${name}.\n`);
      if (wasActive) ctx.io.out("No profile is active now. Choose one with: kinetic profile use NAME\n");
    });
}
