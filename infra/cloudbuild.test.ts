// cloudbuild.yaml is code too: every step must call something that exists
// (a package.json script, `npm ci`/`npm test`, or a known builder), in order,
// with the project/zone/cluster as substitutions.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./test-support.ts";

interface Step {
  id: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  secretEnv?: string[];
}
interface Build {
  substitutions: Record<string, string>;
  steps: Step[];
  availableSecrets?: { secretManager: { versionName: string; env: string }[] };
}

const build = parse(readFileSync(join(REPO_ROOT, "cloudbuild.yaml"), "utf8")) as Build;
const scripts = (
  JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;
const KNOWN_BUILDERS: Record<string, (args: string[]) => string | undefined> = {
  // docker build must point at a Dockerfile and context that exist.
  "gcr.io/cloud-builders/docker": (args) => {
    if (args[0] !== "build") return `unexpected docker command ${args[0]}`;
    const file = args[args.indexOf("--file") + 1];
    const context = args.at(-1);
    if (!file || !existsSync(join(REPO_ROOT, file))) return `missing Dockerfile ${file}`;
    if (!context || !existsSync(join(REPO_ROOT, context))) return `missing build context ${context}`;
    return undefined;
  },
};

/** Why a step does not call something real, or undefined when it does. */
function problem(step: Step): string | undefined {
  const args = step.args ?? [];
  if (step.entrypoint === "npm") {
    if (args[0] === "ci" || args[0] === "test") return undefined;
    if (args[0] === "run")
      return args[1] && scripts[args[1]] ? undefined : `npm run ${args[1]}: no such package.json script`;
    return `npm ${args[0]} is not an npm script call`;
  }
  const check = KNOWN_BUILDERS[step.name];
  return check ? check(args) : `unknown tool ${step.entrypoint ?? step.name}`;
}

describe("cloudbuild.yaml", () => {
  it("every step calls a real package.json script or a known tool", () => {
    expect(build.steps.length).toBeGreaterThan(5);
    for (const step of build.steps) expect(problem(step), step.id).toBeUndefined();
  });

  it("the checker rejects a step calling a script that does not exist", () => {
    expect(problem({ id: "x", name: "img", entrypoint: "npm", args: ["run", "no-such-script"] })).toMatch(
      /no such package.json script/,
    );
    expect(problem({ id: "x", name: "bash", args: ["-c", "make"] })).toMatch(/unknown tool/);
  });

  it("installs, typechecks, lints, tests, builds and deploys, in that order", () => {
    const order = ["install", "typecheck", "lint", "test-unit", "test-integration", "build", "deploy"];
    const ids = build.steps.map((s) => s.id);
    for (const id of order) expect(ids, id).toContain(id);
    expect(order.map((id) => ids.indexOf(id))).toEqual([...order.map((id) => ids.indexOf(id))].sort((a, b) => a - b));
    // Integration tests start the emulators in their global setup.
    expect(scripts["test:integration"]).toMatch(/--project integration/);
  });

  it("deploys with `kinetic up` for the project/zone/cluster substitutions", () => {
    const deploy = build.steps.find((s) => s.id === "deploy")!;
    const args = deploy.args ?? [];
    expect(args.slice(0, 3)).toEqual(["run", "kinetic", "--"]);
    expect(args.at(-1)).toBe("up");
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect([flag("--project"), flag("--zone"), flag("--cluster")]).toEqual([
      "${PROJECT_ID}",
      "${_ZONE}",
      "${_CLUSTER}",
    ]);
    // The passphrase comes from Secret Manager, never from the file.
    expect(deploy.secretEnv).toEqual(["PULUMI_CONFIG_PASSPHRASE"]);
    expect(build.availableSecrets?.secretManager.map((s) => s.env)).toContain("PULUMI_CONFIG_PASSPHRASE");
  });

  it("declares every user substitution it uses", () => {
    const text = readFileSync(join(REPO_ROOT, "cloudbuild.yaml"), "utf8").replace(/^\s*#.*$/gm, "");
    const used = new Set([...text.matchAll(/\$\{(_[A-Z0-9_]+)\}/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual(Object.keys(build.substitutions).sort());
  });
});
