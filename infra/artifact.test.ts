// What a deploy reads from its root, in both layouts: this checkout, and an
// installed CLI package whose dependencies npm hoisted next to it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KineticError } from "../shared/errors.ts";
import { assertFunctionArtifact, functionArtifactDir, pluginVersions } from "./artifact.ts";

const base = mkdtempSync(join(tmpdir(), "kinetic-artifact-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function writePackage(dir: string, name: string, version: string) {
  mkdirSync(join(dir, "node_modules", name), { recursive: true });
  writeFileSync(join(dir, "node_modules", name, "package.json"), JSON.stringify({ name, version }));
}

describe("pluginVersions", () => {
  it("finds the @pulumi packages hoisted above an installed CLI package", () => {
    const project = join(base, "hoisted");
    const pkgRoot = join(project, "node_modules", "@kinetic", "cli");
    mkdirSync(pkgRoot, { recursive: true });
    writePackage(project, "@pulumi/gcp", "9.1.0");
    writePackage(project, "@pulumi/kubernetes", "4.2.0");
    expect(pluginVersions(pkgRoot)).toEqual([
      { name: "gcp", version: "v9.1.0" },
      { name: "kubernetes", version: "v4.2.0" },
    ]);
  });

  it("prefers the root's own node_modules, as Node's resolution does", () => {
    const project = join(base, "nested");
    const pkgRoot = join(project, "node_modules", "@kinetic", "cli");
    writePackage(project, "@pulumi/gcp", "9.1.0");
    writePackage(project, "@pulumi/kubernetes", "4.2.0");
    writePackage(pkgRoot, "@pulumi/gcp", "9.9.0");
    expect(pluginVersions(pkgRoot)[0]).toEqual({ name: "gcp", version: "v9.9.0" });
  });

  it("names the missing package", () => {
    const bare = join(base, "bare");
    mkdirSync(bare);
    const err = (() => {
      try {
        return pluginVersions(bare);
      } catch (e) {
        return e;
      }
    })();
    expect((err as KineticError).code).toBe("failed-precondition");
    expect((err as Error).message).toMatch(/@pulumi\/gcp is not installed/);
  });
});

describe("assertFunctionArtifact", () => {
  it("returns dist/functions when the build is there, and asks for the build otherwise", () => {
    const root = join(base, "checkout");
    expect(() => assertFunctionArtifact(root)).toThrow(/npm run build:functions/);
    mkdirSync(functionArtifactDir(root), { recursive: true });
    writeFileSync(join(functionArtifactDir(root), "package.json"), "{}");
    expect(() => assertFunctionArtifact(root)).toThrow(/missing/);
    writeFileSync(join(functionArtifactDir(root), "index.js"), "");
    expect(assertFunctionArtifact(root)).toBe(join(root, "dist", "functions"));
  });
});
