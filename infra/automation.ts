/**
 * `kinetic up`, `down` and `pool add|rm|ls` drive infra/index.ts through
 * Pulumi's Automation API (an inline program: the same deploy() the tests run).
 *
 * The deployment settings (pools, namespaces, invokers…) are persisted as the
 * stack output `config` in the state bucket, not in local files: every admin
 * and CI run starts from what is deployed, so `kinetic up` never drops a pool
 * someone else added. Everything up to the Automation API call is plain code
 * behind two boundaries (AutomationApi, BucketApi) that tests replace.
 */
import * as pulumi from "@pulumi/pulumi";
import { KineticError } from "../shared/errors.ts";
import { regionOf } from "../shared/config/validators.ts";
import {
  parseInfraConfig,
  parsePoolSpec,
  type InfraConfig,
  type InfraConfigInput,
  type PoolInput,
  type PoolSpec,
} from "./config.ts";
import { assertFunctionArtifact, pluginVersions } from "./artifact.ts";
import { deploy } from "./index.ts";
import { PULUMI_PROJECT, stackName, stateBackendUrl } from "./naming.ts";
import { ensureStateBucket, gcsBucketApi, type BucketApi } from "./state.ts";

export interface Target {
  project: string;
  zone: string;
  cluster: string;
}

export type Program = () => Promise<Record<string, unknown>>;

/** One stack, as much of Pulumi's Stack as Kinetic uses. Output values are plain. */
export interface StackOps {
  setConfig(values: Record<string, string>): Promise<void>;
  installPlugin(name: string, version: string): Promise<void>;
  outputs(): Promise<Record<string, unknown>>;
  preview(onOutput: (line: string) => void): Promise<Record<string, number>>;
  up(onOutput: (line: string) => void): Promise<Record<string, unknown>>;
  destroy(onOutput: (line: string) => void): Promise<void>;
}

export interface OpenStackArgs {
  projectName: string;
  stackName: string;
  backendUrl: string;
  program: Program;
  /** False: select an existing stack only (undefined when there is none). */
  create: boolean;
  secretsProvider?: string;
}

/** The Automation API boundary. */
export interface AutomationApi {
  openStack(args: OpenStackArgs): Promise<StackOps | undefined>;
}

export interface InfraDeps {
  automation: AutomationApi;
  buckets: BucketApi;
  /** The checkout or installed CLI package: dist/functions/ is here, the @pulumi packages here or above. */
  repoRoot: string;
  env: Record<string, string | undefined>;
  /** Progress lines (Pulumi's own output included). */
  log: (line: string) => void;
}

export interface ApplyOptions {
  /** Show the planned changes without applying them. */
  preview?: boolean;
  secretsProvider?: string;
}

/** What a stack remembers between runs: the config minus the target. */
export type StoredSettings = Omit<InfraConfigInput, "project" | "zone" | "cluster">;

function checkSecretsProvider(opts: ApplyOptions, env: InfraDeps["env"]): string | undefined {
  const provider = opts.secretsProvider ?? env.KINETIC_SECRETS_PROVIDER;
  if (provider && provider !== "passphrase") return provider;
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    throw new KineticError(
      "failed-precondition",
      "the stack's secrets are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), " +
        "or pass --secrets-provider gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K",
    );
  }
  return undefined;
}

/** The settings the deployed stack was last brought up with (empty for a new stack). */
export function storedSettings(outputs: Record<string, unknown>): StoredSettings {
  const config = outputs.config;
  if (config === undefined) return {};
  if (typeof config !== "object" || config === null) {
    throw new KineticError("internal", "stack output `config` is not an object; was the stack created by Kinetic?");
  }
  const { project: _p, zone: _z, cluster: _c, region: _r, ...rest } = config as Record<string, unknown>;
  return rest as StoredSettings;
}

function targetOf(target: Target) {
  return {
    projectName: PULUMI_PROJECT,
    stackName: stackName(target.project, target.cluster),
    backendUrl: stateBackendUrl(target.project),
  };
}

/**
 * Brings the stack to `mutate(current settings)`: state bucket first, then
 * the stack, its provider config, pinned plugins, and `pulumi up` (or preview).
 */
async function apply(
  target: Target,
  mutate: (current: StoredSettings) => StoredSettings,
  opts: ApplyOptions,
  deps: InfraDeps,
): Promise<{ config: InfraConfig; outputs?: Record<string, unknown>; changes?: Record<string, number> }> {
  const secretsProvider = checkSecretsProvider(opts, deps.env);
  assertFunctionArtifact(deps.repoRoot);
  const region = regionOf(target.zone);
  const bucket = await ensureStateBucket(deps.buckets, target.project, region, (m) => deps.log(`warning: ${m}`));
  if (bucket === "created") deps.log(`created state bucket ${stateBackendUrl(target.project)}`);

  // The program is handed over before the stack's settings are read; it runs only during preview/up.
  const resolved: { config?: InfraConfig } = {};
  const program: Program = async () => {
    const { config } = resolved;
    if (!config) throw new Error("program ran before its config was resolved");
    return { ...deploy(config, { repoRoot: deps.repoRoot }), config };
  };
  const stack = await deps.automation.openStack({ ...targetOf(target), program, create: true, secretsProvider });
  if (!stack) throw new KineticError("internal", "the Automation API returned no stack");
  const current = storedSettings(await stack.outputs());
  const config = parseInfraConfig({ ...mutate(current), ...target });
  resolved.config = config;

  await stack.setConfig({ "gcp:project": target.project, "gcp:zone": target.zone, "gcp:region": region });
  for (const p of pluginVersions(deps.repoRoot)) await stack.installPlugin(p.name, p.version);
  if (opts.preview) return { config, changes: await stack.preview(deps.log) };
  return { config, outputs: await stack.up(deps.log) };
}

export interface UpOptions extends ApplyOptions {
  apiInvokers?: string[];
  namespaces?: string[];
  adoptFirestore?: boolean;
  operators?: string[];
  firestoreDatabase?: string;
}

/** Creates or updates everything, keeping the deployed pools and settings unless overridden. */
export async function up(target: Target, opts: UpOptions, deps: InfraDeps) {
  return apply(
    target,
    (current) => ({
      ...current,
      ...(opts.apiInvokers?.length ? { apiInvokers: opts.apiInvokers } : {}),
      ...(opts.namespaces?.length ? { namespaces: opts.namespaces } : {}),
      ...(opts.adoptFirestore !== undefined ? { adoptFirestore: opts.adoptFirestore } : {}),
      ...(opts.operators?.length ? { operators: opts.operators } : {}),
      ...(opts.firestoreDatabase ? { firestoreDatabase: opts.firestoreDatabase } : {}),
    }),
    opts,
    deps,
  );
}

/** Adds an accelerator pool (and its Kueue flavor/quota). A reservation binds to this pool only. */
export async function poolAdd(target: Target, pool: PoolInput, opts: ApplyOptions, deps: InfraDeps) {
  const spec = parsePoolSpec(pool);
  return apply(
    target,
    (current) => {
      const pools = (current.pools ?? []) as PoolInput[];
      if (pools.some((p) => p.name === spec.name)) {
        throw new KineticError(
          "already-exists",
          `pool "${spec.name}" already exists in ${stackName(target.project, target.cluster)}`,
        );
      }
      return { ...current, pools: [...pools, spec] };
    },
    opts,
    deps,
  );
}

export async function poolRemove(target: Target, name: string, opts: ApplyOptions, deps: InfraDeps) {
  return apply(
    target,
    (current) => {
      const pools = (current.pools ?? []) as PoolInput[];
      if (!pools.some((p) => p.name === name)) {
        const known = pools.map((p) => p.name).join(", ") || "none";
        throw new KineticError("not-found", `pool "${name}" does not exist (pools: ${known})`);
      }
      return { ...current, pools: pools.filter((p) => p.name !== name) };
    },
    opts,
    deps,
  );
}

async function existingStack(target: Target, opts: ApplyOptions, deps: InfraDeps): Promise<StackOps> {
  const secretsProvider = checkSecretsProvider(opts, deps.env);
  const program: Program = async () => {
    throw new Error("read-only stack operation ran the program");
  };
  const stack = await deps.automation.openStack({ ...targetOf(target), program, create: false, secretsProvider });
  if (!stack) {
    throw new KineticError(
      "not-found",
      `no Kinetic stack ${stackName(target.project, target.cluster)} in ${stateBackendUrl(target.project)}; run \`kinetic up\` first`,
    );
  }
  return stack;
}

/** The deployed pools, read from the stack's state (nothing is changed). */
export async function poolList(target: Target, deps: InfraDeps): Promise<PoolSpec[]> {
  const stack = await existingStack(target, {}, deps);
  const settings = storedSettings(await stack.outputs());
  return ((settings.pools ?? []) as unknown[]).map((p) => parsePoolSpec(p));
}

/** Deletes every resource in the stack. The Firestore database is kept (deletionPolicy ABANDON). */
export async function down(target: Target, opts: ApplyOptions, deps: InfraDeps): Promise<void> {
  const stack = await existingStack(target, opts, deps);
  for (const p of pluginVersions(deps.repoRoot)) await stack.installPlugin(p.name, p.version);
  await stack.setConfig({
    "gcp:project": target.project,
    "gcp:zone": target.zone,
    "gcp:region": regionOf(target.zone),
  });
  await stack.destroy(deps.log);
}

const plain = (outputs: Record<string, { value: unknown }>) =>
  Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));

/** The real boundary: Pulumi's LocalWorkspace with an inline program (needs the `pulumi` CLI on PATH). */
export function pulumiAutomation(): AutomationApi {
  const { LocalWorkspace, StackNotFoundError } = pulumi.automation;
  return {
    async openStack(args) {
      const opts = {
        projectSettings: { name: args.projectName, runtime: "nodejs" as const, backend: { url: args.backendUrl } },
        ...(args.secretsProvider ? { secretsProvider: args.secretsProvider } : {}),
      };
      const inline = { projectName: args.projectName, stackName: args.stackName, program: args.program };
      let stack: pulumi.automation.Stack;
      try {
        stack = args.create
          ? await LocalWorkspace.createOrSelectStack(inline, opts)
          : await LocalWorkspace.selectStack(inline, opts);
      } catch (err) {
        if (!args.create && err instanceof StackNotFoundError) return undefined;
        throw err;
      }
      return {
        setConfig: async (values) =>
          stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }]))),
        installPlugin: (name, version) => stack.workspace.installPlugin(name, version),
        outputs: async () => plain(await stack.outputs()),
        preview: async (onOutput) => (await stack.preview({ onOutput })).changeSummary as Record<string, number>,
        up: async (onOutput) => plain((await stack.up({ onOutput })).outputs),
        destroy: async (onOutput) => {
          await stack.destroy({ onOutput });
        },
      };
    },
  };
}

export function defaultInfraDeps(repoRoot: string): InfraDeps {
  return {
    automation: pulumiAutomation(),
    buckets: gcsBucketApi(),
    repoRoot,
    env: process.env,
    log: (line) => process.stdout.write(line.endsWith("\n") ? line : `${line}\n`),
  };
}
