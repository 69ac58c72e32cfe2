// `kinetic up/down/pool` argument handling, up to the infra operations, which
// are replaced by a recorder (the operations themselves are tested in infra/).
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { InfraDeps, Target } from "../../infra/automation.ts";
import type { PoolInput, PoolSpec } from "../../infra/config.ts";
import type { KineticError } from "../../shared/errors.ts";
import { createContext } from "../context.ts";
import type { Io } from "../output.ts";
import { registerInfraCommands, type InfraCommandDeps } from "./infra.ts";

interface Call {
  op: string;
  target: Target;
  arg?: unknown;
  opts?: unknown;
}

function harness(
  env: Record<string, string | undefined>,
  opts: { tty?: boolean; confirm?: boolean; pools?: PoolSpec[] } = {},
) {
  const calls: Call[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stderrIsTty: false,
    stdinIsTty: opts.tty ?? false,
  };
  const program = new Command("kinetic").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  const fullEnv = { KINETIC_PROFILES_FILE: "/nonexistent/kinetic-profiles.json", ...env };
  const ctx = createContext(program, io, fullEnv);
  const fakeDeps = {} as InfraDeps;
  const deps: Partial<InfraCommandDeps> = {
    ops: async () => ({
      up: async (target, o) => {
        calls.push({ op: "up", target, opts: o });
        return { config: { pools: [] } } as never;
      },
      down: async (target, o) => {
        calls.push({ op: "down", target, opts: o });
      },
      poolAdd: async (target, pool: PoolInput, o) => {
        calls.push({ op: "poolAdd", target, arg: pool, opts: o });
        return {} as never;
      },
      poolRemove: async (target, name, o) => {
        calls.push({ op: "poolRemove", target, arg: name, opts: o });
        return {} as never;
      },
      poolList: async (target) => {
        calls.push({ op: "poolList", target });
        return opts.pools ?? [];
      },
    }),
    infraDeps: async () => fakeDeps,
    confirm: async () => opts.confirm ?? false,
  };
  registerInfraCommands(program, ctx, deps);
  const run = (...args: string[]) => program.parseAsync(args, { from: "user" });
  return { run, calls, out, err };
}

const ENV = { KINETIC_PROJECT: "acme-ml", KINETIC_ZONE: "us-central1-a", KINETIC_CLUSTER: "train" };
const TARGET = { project: "acme-ml", zone: "us-central1-a", cluster: "train" };

describe("kinetic up", () => {
  it("resolves project, zone and cluster from the settings and calls up", async () => {
    const h = harness(ENV);
    await h.run("up", "--api-invoker", "group:ml@example.com", "--namespace", "research");
    expect(h.calls).toEqual([
      {
        op: "up",
        target: TARGET,
        opts: expect.objectContaining({ apiInvokers: ["group:ml@example.com"], namespaces: ["research"] }),
      },
    ]);
    expect(h.out.join("")).toMatch(/Kinetic is up: acme-ml-train/);
  });

  it("uses the settings' defaults (cluster kinetic) and rejects a bad value naming its source", async () => {
    const h = harness({ KINETIC_PROJECT: "acme-ml" });
    await h.run("up");
    expect(h.calls[0]?.target).toEqual({ project: "acme-ml", zone: "us-central1-a", cluster: "kinetic" });
    const bad = harness({ ...ENV, KINETIC_ZONE: "mars" });
    await expect(bad.run("up")).rejects.toThrow(/invalid zone "mars" \(from env KINETIC_ZONE\)/);
    expect(bad.calls).toEqual([]);
  });
});

describe("kinetic pool add", () => {
  it("builds a TPU slice pool bound to the --reservation", async () => {
    const h = harness(ENV);
    await h.run(
      "pool",
      "add",
      "v6e-16",
      "--machine-type",
      "ct6e-standard-4t",
      "--tpu-topology",
      "4x4",
      "--reservation",
      "v6e-res",
    );
    expect(h.calls[0]).toEqual({
      op: "poolAdd",
      target: TARGET,
      arg: {
        name: "v6e-16",
        kind: "tpu",
        machineType: "ct6e-standard-4t",
        topology: "4x4",
        spot: false,
        reservation: "v6e-res",
      },
      opts: { preview: undefined, secretsProvider: undefined },
    });
  });

  it("falls back to KINETIC_RESERVATION and says so", async () => {
    const h = harness({ ...ENV, KINETIC_RESERVATION: "shared-res" });
    await h.run(
      "pool",
      "add",
      "l4",
      "--machine-type",
      "g2-standard-24",
      "--gpu",
      "nvidia-l4",
      "--gpus-per-node",
      "2",
      "--spot",
      "--max-nodes",
      "4",
    );
    expect(h.calls[0]?.arg).toEqual({
      name: "l4",
      kind: "gpu",
      machineType: "g2-standard-24",
      gpuType: "nvidia-l4",
      gpusPerNode: 2,
      spot: true,
      maxNodes: 4,
      reservation: "shared-res",
    });
    expect(h.err.join("")).toMatch(/Binding reservation shared-res to pool l4/);
  });

  it("needs exactly one of --gpu and --tpu-topology, and whole numbers", async () => {
    const h = harness(ENV);
    await expect(h.run("pool", "add", "x", "--machine-type", "g2-standard-12")).rejects.toThrow(
      /--gpu TYPE.*--tpu-topology/,
    );
    const e = await h
      .run("pool", "add", "x", "--machine-type", "g2-standard-12", "--gpu", "nvidia-l4", "--max-nodes", "two")
      .catch((x: unknown) => x);
    expect((e as KineticError).issues).toEqual([{ field: "max-nodes", message: "expected a whole number" }]);
    expect(h.calls).toEqual([]);
  });
});

describe("confirmation", () => {
  it("down without a terminal needs --yes", async () => {
    const h = harness(ENV);
    await expect(h.run("down")).rejects.toThrow(/pass --yes: kinetic down --yes/);
    await h.run("down", "--yes");
    expect(h.calls.map((c) => c.op)).toEqual(["down"]);
  });

  it("down on a terminal asks, and a no keeps everything", async () => {
    const h = harness(ENV, { tty: true, confirm: false });
    await h.run("down");
    expect(h.calls).toEqual([]);
    expect(h.out.join("")).toBe("Kept.\n");
  });

  it("pool rm asks unless previewing", async () => {
    const h = harness(ENV, { tty: true, confirm: true });
    await h.run("pool", "rm", "l4");
    await h.run("pool", "rm", "l4", "--preview");
    expect(h.calls.map((c) => [c.op, c.arg])).toEqual([
      ["poolRemove", "l4"],
      ["poolRemove", "l4"],
    ]);
  });
});

describe("kinetic pool ls", () => {
  it("prints the deployed pools as a table", async () => {
    const h = harness(ENV, {
      pools: [
        {
          name: "v6e-16",
          kind: "tpu",
          machineType: "ct6e-standard-4t",
          topology: "4x4",
          spot: false,
          minNodes: 0,
          reservation: "r1",
        },
      ],
    });
    await h.run("pool", "ls");
    expect(h.out.join("")).toBe(
      "NAME    KIND  MACHINE           ACCELERATOR  NODES  SPOT  RESERVATION\n" +
        "v6e-16  tpu   ct6e-standard-4t  4x4          0-4    no    r1\n",
    );
  });
});
