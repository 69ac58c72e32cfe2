// `kinetic up/down/pool` wiring, up to the Automation API. FakeAutomation
// stands in for Pulumi's LocalWorkspace: it keeps stacks and their outputs in
// memory, and its `up` runs the inline program under Pulumi's mocks, so the
// test sees the resources a real `pulumi up` would be asked to create.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { KineticError } from "../shared/errors.ts";
import {
  down,
  poolAdd,
  poolList,
  poolRemove,
  up,
  type AutomationApi,
  type InfraDeps,
  type OpenStackArgs,
  type StackOps,
} from "./automation.ts";
import type { BucketApi } from "./state.ts";
import { computedState, PROJECT_NUMBER, REPO_ROOT, type Recorded } from "./test-support.ts";

interface FakeStack {
  args: OpenStackArgs;
  outputs: Record<string, unknown>;
  config: Record<string, string>;
  plugins: string[];
  calls: string[];
  lastResources: Recorded[];
}

class FakeAutomation implements AutomationApi {
  stacks = new Map<string, FakeStack>();
  opened: OpenStackArgs[] = [];

  async openStack(args: OpenStackArgs): Promise<StackOps | undefined> {
    this.opened.push(args);
    const key = `${args.backendUrl}/${args.stackName}`;
    let s = this.stacks.get(key);
    if (!s) {
      if (!args.create) return undefined;
      s = { args, outputs: {}, config: {}, plugins: [], calls: [], lastResources: [] };
      this.stacks.set(key, s);
    }
    const stack = s;
    const runProgram = async () => {
      const resources: Recorded[] = [];
      await pulumi.runtime.setMocks(
        {
          newResource: (a) => {
            resources.push({ type: a.type, name: a.name, inputs: a.inputs });
            return { id: `${a.name}-id`, state: { ...a.inputs, ...computedState(a.type, a.inputs) } };
          },
          call: (a) =>
            a.token === "gcp:organizations/getProject:getProject" ? { ...a.inputs, number: PROJECT_NUMBER } : a.inputs,
        },
        args.projectName,
        args.stackName,
        false,
      );
      const result = await args.program();
      const outputs = (await new Promise((done) => pulumi.output(result).apply(done))) as Record<string, unknown>;
      await pulumi.runtime.disconnect();
      stack.lastResources = resources;
      return outputs;
    };
    return {
      setConfig: async (values) => {
        stack.calls.push("setConfig");
        Object.assign(stack.config, values);
      },
      installPlugin: async (name, version) => {
        stack.calls.push("installPlugin");
        stack.plugins.push(`${name}@${version}`);
      },
      outputs: async () => {
        stack.calls.push("outputs");
        return structuredClone(stack.outputs);
      },
      preview: async () => {
        stack.calls.push("preview");
        await runProgram();
        return { create: stack.lastResources.length };
      },
      up: async () => {
        stack.calls.push("up");
        stack.outputs = await runProgram();
        return stack.outputs;
      },
      destroy: async () => {
        stack.calls.push("destroy");
        stack.outputs = {};
      },
    };
  }
}

const okBuckets = (): BucketApi & { created: string[] } => {
  const created: string[] = [];
  return {
    created,
    get: async (b) =>
      created.includes(b) ? { status: 200, body: { versioning: { enabled: true } } } : { status: 404 },
    insert: async (_p, s) => {
      created.push(s.name);
      return { status: 200 };
    },
  };
};

// A repo root with what `up` reads: a built functions artifact and the installed @pulumi packages.
const root = mkdtempSync(join(tmpdir(), "kinetic-infra-"));
mkdirSync(join(root, "dist/functions"), { recursive: true });
writeFileSync(join(root, "dist/functions/package.json"), "{}");
writeFileSync(join(root, "dist/functions/index.js"), "");
symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const target = { project: "acme-ml", zone: "us-central1-a", cluster: "train" };
let automation: FakeAutomation;
let buckets: ReturnType<typeof okBuckets>;
let deps: InfraDeps;
let logs: string[];
beforeEach(() => {
  automation = new FakeAutomation();
  buckets = okBuckets();
  logs = [];
  deps = { automation, buckets, repoRoot: root, env: { PULUMI_CONFIG_PASSPHRASE: "pw" }, log: (l) => logs.push(l) };
});
const theStack = () => [...automation.stacks.values()][0]!;
const nodePools = () => theStack().lastResources.filter((r) => r.type === "gcp:container/nodePool:NodePool");

describe("kinetic up", () => {
  it("creates the state bucket, then the {project}-{cluster} stack in it, and runs pulumi up", async () => {
    await up(target, {}, deps);
    expect(buckets.created).toEqual(["acme-ml-kinetic-state"]);
    expect(automation.opened[0]).toMatchObject({
      projectName: "kinetic",
      stackName: "acme-ml-train",
      backendUrl: "gs://acme-ml-kinetic-state",
      create: true,
    });
    const s = theStack();
    expect(s.config).toEqual({ "gcp:project": "acme-ml", "gcp:zone": "us-central1-a", "gcp:region": "us-central1" });
    expect(s.plugins).toEqual([
      `gcp@v${(await import("@pulumi/gcp/package.json", { with: { type: "json" } })).default.version}`,
      `kubernetes@v${(await import("@pulumi/kubernetes/package.json", { with: { type: "json" } })).default.version}`,
    ]);
    expect(s.calls.indexOf("up")).toBeGreaterThan(s.calls.lastIndexOf("installPlugin"));
    expect(nodePools().map((p) => p.inputs.name)).toEqual(["cpu"]);
    expect(logs).toContain("created state bucket gs://acme-ml-kinetic-state");
  });

  it("previews without applying", async () => {
    const r = await up(target, { preview: true }, deps);
    expect(r.changes?.create).toBeGreaterThan(0);
    expect(theStack().calls).not.toContain("up");
    expect(theStack().outputs).toEqual({});
  });

  it("refuses to run without a passphrase or secrets provider, before touching anything", async () => {
    const err = await up(target, {}, { ...deps, env: {} }).catch((e: unknown) => e);
    expect((err as KineticError).code).toBe("failed-precondition");
    expect((err as Error).message).toMatch(/PULUMI_CONFIG_PASSPHRASE/);
    expect(automation.opened).toEqual([]);
    expect(buckets.created).toEqual([]);
    await up(
      target,
      { secretsProvider: "gcpkms://projects/p/locations/global/keyRings/k/cryptoKeys/c" },
      { ...deps, env: {} },
    );
    expect(automation.opened[0]?.secretsProvider).toMatch(/^gcpkms:/);
  });

  it("asks for a build when the functions artifact is missing", async () => {
    const bare = mkdtempSync(join(tmpdir(), "kinetic-nodist-"));
    const err = await up(target, {}, { ...deps, repoRoot: bare }).catch((e: unknown) => e);
    rmSync(bare, { recursive: true, force: true });
    expect((err as KineticError).code).toBe("failed-precondition");
    expect((err as Error).message).toMatch(/dist\/functions.*npm run build:functions/);
    expect(automation.opened).toEqual([]);
  });
});

describe("kinetic pool", () => {
  const tpu = { name: "v6e-16", kind: "tpu" as const, machineType: "ct6e-standard-4t", topology: "4x4" };

  it("pool add --reservation creates the pool bound to that reservation, and ls lists it", async () => {
    await up(target, {}, deps);
    await poolAdd(target, { ...tpu, reservation: "v6e-res" }, {}, deps);
    const pool = nodePools().find((p) => p.inputs.name === "v6e-16");
    expect(pool?.inputs.nodeConfig.reservationAffinity).toEqual({
      consumeReservationType: "SPECIFIC_RESERVATION",
      key: "compute.googleapis.com/reservation-name",
      values: ["v6e-res"],
    });
    expect(pool?.inputs.placementPolicy).toEqual({ type: "COMPACT", tpuTopology: "4x4" });
    const listed = await poolList(target, deps);
    expect(listed).toEqual([expect.objectContaining({ name: "v6e-16", reservation: "v6e-res" })]);
  });

  it("keeps pools across a plain `kinetic up` and another admin's `pool add`", async () => {
    await poolAdd(target, tpu, {}, deps);
    await up(target, {}, deps);
    await poolAdd(
      target,
      { name: "l4", kind: "gpu", machineType: "g2-standard-12", gpuType: "nvidia-l4", gpusPerNode: 1 },
      {},
      deps,
    );
    expect(
      nodePools()
        .map((p) => p.inputs.name)
        .sort(),
    ).toEqual(["cpu", "l4", "v6e-16"]);
    expect((await poolList(target, deps)).map((p) => p.name)).toEqual(["v6e-16", "l4"]);
  });

  it("pool rm removes only that pool; unknown and duplicate names are clear errors", async () => {
    await poolAdd(target, tpu, {}, deps);
    const dup = await poolAdd(target, tpu, {}, deps).catch((e: unknown) => e);
    expect((dup as KineticError).code).toBe("already-exists");
    const missing = await poolRemove(target, "nope", {}, deps).catch((e: unknown) => e);
    expect((missing as KineticError).code).toBe("not-found");
    expect((missing as Error).message).toMatch(/pools: v6e-16/);
    await poolRemove(target, "v6e-16", {}, deps);
    expect(nodePools().map((p) => p.inputs.name)).toEqual(["cpu"]);
    expect(await poolList(target, deps)).toEqual([]);
  });

  it("rejects an invalid pool before opening the stack", async () => {
    const err = await Promise.resolve()
      .then(() => poolAdd(target, { ...tpu, topology: "3x3" }, {}, deps))
      .catch((e: unknown) => e);
    expect((err as KineticError).issues[0]?.field).toBe("topology");
    expect(automation.opened).toEqual([]);
  });

  it("pool ls on a cluster never brought up says so and creates nothing", async () => {
    const err = await poolList(target, deps).catch((e: unknown) => e);
    expect((err as KineticError).code).toBe("not-found");
    expect((err as Error).message).toMatch(/acme-ml-train.*kinetic up/);
    expect(automation.stacks.size).toBe(0);
  });
});

describe("kinetic down", () => {
  it("destroys the existing stack without running the program", async () => {
    await up(target, {}, deps);
    await down(target, {}, deps);
    expect(theStack().calls.at(-1)).toBe("destroy");
    expect(automation.opened.at(-1)).toMatchObject({ create: false, stackName: "acme-ml-train" });
  });

  it("reports a missing stack instead of creating one", async () => {
    const err = await down(target, {}, deps).catch((e: unknown) => e);
    expect((err as KineticError).code).toBe("not-found");
    expect(automation.stacks.size).toBe(0);
  });
});
