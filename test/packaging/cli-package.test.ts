// The `kinetic` CLI as a user installs it: built, packed with `npm pack`,
// installed with `npm install -g --prefix` into an empty folder outside the
// checkout, then run from PATH (`#!/usr/bin/env node` finds Node 24 first;
// Node 22 support rests on the compile target) with a temporary HOME and a
// fake gcloud. What a user sees is asserted, not how it is built.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, type Sandbox } from "../unit/cli/helpers.ts";
import {
  NODE,
  NODE_PATH_DIR,
  REPO,
  build,
  describeRun,
  mustRun,
  npmEnv,
  npmPack,
  run,
  writeResolveTrace,
} from "./support.ts";

const work = mkdtempSync(join(tmpdir(), "kinetic-pkg-cli-"));
const prefix = join(work, "prefix");
const installed = join(prefix, "lib/node_modules/@kinetic/cli");
let box: Sandbox;
let trace: string;

beforeAll(async () => {
  await build("cli", join(work, "package"));
  const tarball = await npmPack(join(work, "package"), work);
  mkdirSync(prefix);
  // From the temporary folder: nothing resolves against the checkout.
  await mustRun("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", tarball], {
    cwd: work,
    env: npmEnv(),
    timeoutMs: 480_000,
  });
  box = await sandbox();
  trace = writeResolveTrace(work);
}, 600_000);

afterAll(async () => {
  await box?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Runs the installed `kinetic` from PATH; `loaded` lists the module URLs the process resolved. */
async function kinetic(args: string[], env: Record<string, string> = {}) {
  const traceFile = join(work, `trace-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(traceFile, "");
  const r = await run("kinetic", args, {
    cwd: box.home,
    env: {
      ...box.env,
      // The fake gcloud first, then the installed bin, then Node 24 ahead of the system Node in /bin.
      PATH: `${box.binDir}:${join(prefix, "bin")}:${NODE_PATH_DIR}:/bin`,
      NODE_OPTIONS: `--import=${pathToFileURL(trace).href}`,
      KINETIC_TRACE_FILE: traceFile,
      ...env,
    },
  });
  return { ...r, loaded: readFileSync(traceFile, "utf8").split("\n").filter(Boolean) };
}

describe("the installed kinetic CLI", () => {
  it("prints its help without loading Pulumi, the prompts or Pub/Sub", async () => {
    const r = await kinetic(["--help"]);
    expect(r.code, describeRun("kinetic --help", r)).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kinetic \[options\] \[command\]/);
    for (const command of ["config", "profile", "jobs", "up", "pool"])
      expect(r.stdout).toMatch(new RegExp(`\\n  ${command} `));
    // No engine warnings, no experimental-feature notices: nothing but the help.
    expect(r.stderr).toBe("");
    expect(r.loaded.some((url) => url.includes("/@kinetic/cli/dist/cli/bin.js"))).toBe(true);
    expect(r.loaded.filter((url) => /\/node_modules\/(@pulumi|@inquirer|@google-cloud)\//.test(url))).toEqual([]);
    const version = await kinetic(["--version"]);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version);
  });

  it("creates a profile without prompting and shows it in `config show`", async () => {
    const created = await kinetic([
      "profile",
      "create",
      "dev",
      "--project",
      "acme-ml",
      "--zone",
      "us-east5-b",
      "--cluster",
      "tpu",
      "--namespace",
      "research",
    ]);
    expect(created.code, describeRun("kinetic profile create", created)).toBe(0);
    expect(created.stdout).toBe("Created profile dev (active: it is the first profile).\n");
    expect(await box.readProfiles()).toEqual({
      current: "dev",
      profiles: { dev: { project: "acme-ml", zone: "us-east5-b", cluster: "tpu", namespace: "research" } },
    });

    const shown = await kinetic(["config", "show"]);
    expect(shown.code, describeRun("kinetic config show", shown)).toBe(0);
    const row = (key: string) => shown.stdout.split("\n").find((l) => l.startsWith(`${key} `));
    expect(row("project")).toMatch(/^project\s+acme-ml\s+profile dev$/);
    expect(row("zone")).toMatch(/^zone\s+us-east5-b\s+profile dev$/);
    expect(row("cluster")).toMatch(/^cluster\s+tpu\s+profile dev$/);
    expect(row("namespace")).toMatch(/^namespace\s+research\s+profile dev$/);
    expect(row("stackName")).toMatch(/^stackName\s+acme-ml-tpu\s/);
    expect(row("profilesFile")).toContain(box.profilesFile);
  });

  it('exports the SDK: `import { configure } from "@kinetic/cli"` resolves settings like the CLI', async () => {
    // An ES module evaluated in <prefix>/lib resolves packages from <prefix>/lib/node_modules.
    const script = `import { configure } from "@kinetic/cli";
const config = await configure({ project: "sdk-proj-1", env: {} });
console.log(JSON.stringify(config.settings.project));`;
    const r = await run(NODE, ["--input-type=module", "-e", script], {
      cwd: join(prefix, "lib"),
      env: { ...box.env, PATH: `${box.binDir}:/bin` },
    });
    expect(r.code, describeRun("import @kinetic/cli", r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ value: "sdk-proj-1", source: { kind: "argument" } });
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(pkg.engines).toEqual({ node: ">=22" });
    expect(readFileSync(join(installed, pkg.types), "utf8")).toContain("export declare function submit(");
  });

  it("ships declarations that type-check a TypeScript consumer", async () => {
    // In <prefix>/lib so "@kinetic/cli" resolves to the install; @types/node and the compiler are the checkout's tools.
    const consumer = join(prefix, "lib", "consumer.mts");
    writeFileSync(
      consumer,
      `import { submit, configure, ApiError, type SubmitResult } from "@kinetic/cli";
const pending: Promise<SubmitResult> = submit({ image: "img", accelerator: "tpu-v6e-8" }, { project: "acme-ml" });
const config = await configure({ profile: "dev" });
const project: string | undefined = config.settings.project.value;
// @ts-expect-error: a typed setting is not a number (fails as "unused" if the types were any)
const wrong: number = config.settings.project.value;
console.log(pending, project, wrong, ApiError);
`,
    );
    const tsc = join(REPO, "node_modules/typescript/bin/tsc");
    const flags = ["--noEmit", "--strict", "--module", "nodenext", "--target", "es2022", "--types", "node"];
    const r = await run(NODE, [tsc, ...flags, "--typeRoots", join(REPO, "node_modules/@types"), consumer], {
      cwd: join(prefix, "lib"),
      env: { PATH: "/usr/bin:/bin" },
      timeoutMs: 120_000,
    });
    expect(r.code, describeRun("tsc consumer.mts", r)).toBe(0);
  });

  it("`kinetic up` loads Pulumi, finds its functions artifact, and stops at missing Google credentials", async () => {
    const r = await kinetic(["--project", "acme-ml", "--zone", "us-east5-b", "--cluster", "tpu", "up"], {
      PULUMI_CONFIG_PASSPHRASE: "not-used",
      METADATA_SERVER_DETECTION: "none",
    });
    expect(r.code, describeRun("kinetic up", r)).toBe(1);
    expect(r.stderr).toMatch(/^error: Could not load the default credentials/m);
    expect(r.stderr).not.toMatch(/build:functions/);
    expect(r.loaded.some((url) => url.includes("/node_modules/@pulumi/pulumi/"))).toBe(true);
    expect(JSON.parse(readFileSync(join(installed, "dist/functions/package.json"), "utf8")).main).toBe("index.js");
  });
});
