/**
 * `kinetic up`, `kinetic down` and `kinetic pool add|rm|ls`: the Google Cloud
 * deployment (infra/) driven through Pulumi's Automation API. Project, zone and
 * cluster resolve like every other setting (flag > env > profile); the
 * reservation for `pool add` is its own flag, falling back to the
 * `reservation` setting (KINETIC_RESERVATION). Pulumi and the cloud SDKs load
 * only when one of these commands runs.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { requireSetting } from "../../shared/config/resolve.ts";
import { KineticError, invalid } from "../../shared/errors.ts";
import type * as Automation from "../../infra/automation.ts";
import type { PoolInput } from "../../infra/config.ts";
import { poolShape } from "../../infra/pools.ts";
import { createContext, type CliContext } from "../context.ts";
import { formatTable, printJson } from "../output.ts";

type Ops = Pick<typeof Automation, "up" | "down" | "poolAdd" | "poolRemove" | "poolList">;

export interface InfraCommandDeps {
  /** The infra operations (infra/automation.ts), loaded lazily. */
  ops: () => Promise<Ops>;
  /** Their dependencies: the Automation API, Cloud Storage, the repo root. */
  infraDeps: (ctx: CliContext) => Promise<Automation.InfraDeps>;
  confirm: (message: string) => Promise<boolean>;
}

const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

const defaults: InfraCommandDeps = {
  ops: () => import("../../infra/automation.ts"),
  infraDeps: async (ctx) => {
    const { defaultInfraDeps } = await import("../../infra/automation.ts");
    return {
      ...defaultInfraDeps(REPO_ROOT),
      env: ctx.env,
      log: (line) => ctx.io.err(line.endsWith("\n") ? line : `${line}\n`),
    };
  },
  confirm: async (message) => {
    const { confirm } = await import("@inquirer/prompts");
    return confirm({ message, default: false });
  },
};

async function targetOf(ctx: CliContext): Promise<Automation.Target> {
  const config = await ctx.config();
  return {
    project: requireSetting(config, "project"),
    zone: requireSetting(config, "zone"),
    cluster: requireSetting(config, "cluster"),
  };
}

function count(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]+$/.test(raw))
    throw invalid(`--${field} must be a whole number, got "${raw}"`, [{ field, message: "expected a whole number" }]);
  return Number(raw);
}

interface PoolAddFlags {
  machineType: string;
  gpu?: string;
  gpusPerNode?: string;
  tpuTopology?: string;
  spot?: boolean;
  reservation?: string;
  minNodes?: string;
  maxNodes?: string;
}

/** Flags → pool spec input (validated later by infra/config.ts, which names the field). */
export function poolFromFlags(name: string, f: PoolAddFlags, reservation: string | undefined): PoolInput {
  if (Boolean(f.gpu) === Boolean(f.tpuTopology)) {
    throw invalid("a pool is either a GPU pool (--gpu TYPE) or a TPU slice (--tpu-topology TOPOLOGY), exactly one", [
      { field: "gpu", message: "give --gpu or --tpu-topology, not both or neither" },
    ]);
  }
  const common = {
    name,
    machineType: f.machineType,
    spot: Boolean(f.spot),
    ...(reservation ? { reservation } : {}),
    ...(f.minNodes !== undefined ? { minNodes: count(f.minNodes, "min-nodes") } : {}),
    ...(f.maxNodes !== undefined ? { maxNodes: count(f.maxNodes, "max-nodes") } : {}),
  };
  return f.gpu
    ? { ...common, kind: "gpu", gpuType: f.gpu, gpusPerNode: count(f.gpusPerNode ?? "1", "gpus-per-node")! }
    : { ...common, kind: "tpu", topology: f.tpuTopology! };
}

async function confirmed(
  ctx: CliContext,
  deps: InfraCommandDeps,
  yes: boolean | undefined,
  what: string,
  retry: string,
) {
  if (yes) return true;
  if (!ctx.io.stdinIsTty) {
    throw new KineticError(
      "failed-precondition",
      `not running ${what} without confirmation (no terminal to ask on); pass --yes: ${retry} --yes`,
    );
  }
  return deps.confirm(`${what}?`);
}

export function registerInfraCommands(
  program: Command,
  ctx: CliContext = createContext(program),
  overrides: Partial<InfraCommandDeps> = {},
): void {
  const deps: InfraCommandDeps = { ...defaults, ...overrides };
  const secretsOption = [
    "--secrets-provider <URL>",
    "Pulumi secrets provider (default: passphrase from PULUMI_CONFIG_PASSPHRASE)",
  ] as const;
  const say = (text: string) => ctx.io.out(text);

  program
    .command("up")
    .description("Create or update the Google Cloud deployment for the cluster (stack {project}-{cluster})")
    .option("--preview", "show the planned changes without applying them")
    .option("--api-invoker <MEMBER...>", "IAM members allowed to call the API (e.g. group:ml@example.com)")
    .option("--namespace <NAME...>", "namespaces that get a Kueue LocalQueue (default: default)")
    .option("--operator <EMAIL...>", "operators: may use every namespace, the admin routes and manual cleanup")
    .option(
      "--firestore-database <ID>",
      'the Firestore database of this cluster (default kinetic-{tag}; "(default)" keeps an older deployment\'s)',
    )
    .option(
      "--adopt-firestore",
      "adopt an existing (default) Firestore database, e.g. kept by an earlier `kinetic down`",
    )
    .option(...secretsOption)
    .action(
      async (o: {
        preview?: boolean;
        apiInvoker?: string[];
        namespace?: string[];
        adoptFirestore?: boolean;
        operator?: string[];
        firestoreDatabase?: string;
        secretsProvider?: string;
      }) => {
        const target = await targetOf(ctx);
        const r = await (
          await deps.ops()
        ).up(
          target,
          {
            preview: o.preview,
            apiInvokers: o.apiInvoker,
            namespaces: o.namespace,
            ...(o.adoptFirestore ? { adoptFirestore: true } : {}),
            ...(o.operator?.length ? { operators: o.operator } : {}),
            ...(o.firestoreDatabase ? { firestoreDatabase: o.firestoreDatabase } : {}),
            secretsProvider: o.secretsProvider,
          },
          await deps.infraDeps(ctx),
        );
        if (o.preview) say(`Preview of ${target.project}-${target.cluster}: ${JSON.stringify(r.changes ?? {})}\n`);
        else
          say(
            `Kinetic is up: ${target.project}-${target.cluster} (${r.config.pools.length} accelerator pool(s)).\n` +
              (typeof r.outputs?.apiUrl === "string" ? `API: ${r.outputs.apiUrl}\n` : ""),
          );
      },
    );

  program
    .command("down")
    .description("Delete the deployment for the cluster (the Firestore database and the state bucket are kept)")
    .option("-y, --yes", "do not ask for confirmation")
    .option(...secretsOption)
    .action(async (o: { yes?: boolean; secretsProvider?: string }) => {
      const target = await targetOf(ctx);
      const stack = `${target.project}-${target.cluster}`;
      if (
        !(await confirmed(
          ctx,
          deps,
          o.yes,
          `Delete cluster ${target.cluster} and everything in stack ${stack}`,
          "kinetic down",
        ))
      ) {
        say("Kept.\n");
        return;
      }
      await (await deps.ops()).down(target, { secretsProvider: o.secretsProvider }, await deps.infraDeps(ctx));
      say(`Stack ${stack} is down.\n`);
    });

  const pool = program.command("pool").description("Accelerator node pools of the cluster");

  pool
    .command("add")
    .description("Add a GPU pool or a TPU slice pool (and its Kueue quota)")
    .argument("<name>", "pool name (lowercase letters, digits, hyphens)")
    .requiredOption("--machine-type <TYPE>", "machine type, e.g. g2-standard-12 or ct6e-standard-4t")
    .option("--gpu <TYPE>", "GPU type, e.g. nvidia-l4, nvidia-h100-80gb")
    .option("--gpus-per-node <N>", "GPUs per node (default 1)")
    .option(
      "--tpu-topology <TOPOLOGY>",
      "TPU slice topology, e.g. 2x4 or 4x4 (multi-host slices get compact placement)",
    )
    .option("--spot", "use Spot VMs")
    .option(
      "--reservation <NAME>",
      "bind the pool to this Compute Engine reservation [default: the reservation setting, env KINETIC_RESERVATION]",
    )
    .option("--min-nodes <N>", "minimum nodes (multi-host TPU slices: 0 or all hosts)")
    .option("--max-nodes <N>", "maximum nodes (multi-host TPU slices: fixed by the topology)")
    .option("--preview", "show the planned changes without applying them")
    .option(...secretsOption)
    .action(async (name: string, o: PoolAddFlags & { preview?: boolean; secretsProvider?: string }) => {
      const config = await ctx.config();
      const reservation = o.reservation ?? config.settings.reservation.value;
      const spec = poolFromFlags(name, o, reservation);
      const target = await targetOf(ctx);
      if (reservation && !o.reservation)
        ctx.io.err(`Binding reservation ${reservation} to pool ${name} (from the reservation setting).\n`);
      await (
        await deps.ops()
      ).poolAdd(target, spec, { preview: o.preview, secretsProvider: o.secretsProvider }, await deps.infraDeps(ctx));
      say(o.preview ? `Previewed adding pool ${name}.\n` : `Pool ${name} added.\n`);
    });

  pool
    .command("rm")
    .alias("remove")
    .description("Remove an accelerator pool (its nodes and anything running on them go away)")
    .argument("<name>", "pool name")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--preview", "show the planned changes without applying them")
    .option(...secretsOption)
    .action(async (name: string, o: { yes?: boolean; preview?: boolean; secretsProvider?: string }) => {
      const target = await targetOf(ctx);
      if (
        !o.preview &&
        !(await confirmed(
          ctx,
          deps,
          o.yes,
          `Remove pool ${name} from cluster ${target.cluster}`,
          `kinetic pool rm ${name}`,
        ))
      ) {
        say("Kept.\n");
        return;
      }
      await (
        await deps.ops()
      ).poolRemove(target, name, { preview: o.preview, secretsProvider: o.secretsProvider }, await deps.infraDeps(ctx));
      say(o.preview ? `Previewed removing pool ${name}.\n` : `Pool ${name} removed.\n`);
    });

  pool
    .command("ls")
    .alias("list")
    .description("List the accelerator pools as deployed")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const target = await targetOf(ctx);
      const pools = await (await deps.ops()).poolList(target, await deps.infraDeps(ctx));
      if (o.json) return printJson(ctx.io, pools);
      if (pools.length === 0)
        return say(
          `No accelerator pools in ${target.project}-${target.cluster}. Add one with: kinetic pool add NAME …\n`,
        );
      say(
        formatTable(
          ["NAME", "KIND", "MACHINE", "ACCELERATOR", "NODES", "SPOT", "RESERVATION"],
          pools.map((p) => [
            p.name,
            p.kind,
            p.machineType,
            p.kind === "gpu" ? `${p.gpusPerNode}x ${p.gpuType}` : p.topology,
            `${poolShape(p).minNodes}-${poolShape(p).maxNodes}`,
            p.spot ? "yes" : "no",
            p.reservation ?? "-",
          ]),
        ),
      );
    });
}
