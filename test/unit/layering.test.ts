/**
 * The import graph of every .ts file in the tree (tracked or new), checked
 * against one-way layering. Rules and allowlists are data in
 * test/unit/layering/rules.ts; in short:
 *
 * - shared/ imports only shared/ (never functions/, cli/, scripts/, infra/, test/, bench/).
 * - functions/<a>/ never imports functions/<b>/; shared HTTP helpers and the deploy
 *   declaration are functions-level modules (functions/http.ts, functions/deploy.ts).
 *   Functions import only functions/ and shared/.
 * - cli/ → cli/, shared/, infra/ (the `kinetic infra` commands); infra/ → infra/,
 *   shared/, functions/deploy.ts; scripts/ → scripts/, shared/, functions/, infra/;
 *   bench/ → bench/, shared/, functions/, scripts/, testbed/ (never test/); testbed/ (the
 *   local Kubernetes cluster) → testbed/, scripts/, shared/; test/ → anything.
 * - Inside shared/, only the composition root (deps.ts, stores.ts) imports the domain
 *   (jobs/, cleanup/); nothing but functions and tooling imports deps.ts.
 * - Cloud SDKs only in their adapter: @google-cloud/firestore in shared/store/;
 *   @google-cloud/pubsub in shared/bus/ and shared/client/; @kubernetes/client-node and
 *   @google-cloud/container in shared/cluster/; google-auth-library in shared/security/
 *   and shared/cluster/ (GKE tokens) and infra/ (state bucket). Each also in the
 *   composition root shared/deps.ts and in scripts/, test/, bench/, testbed/, which drive
 *   emulators and real services. Never in functions/ or cli/.
 *   @pulumi/* only in infra/, @inquirer/prompts only in cli/, functions-framework only in
 *   functions/<name>/index.ts (and tooling), so a function package carries neither.
 * - No import cycles, type-only imports included.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, formatCycle } from "./layering/cycles.ts";
import { readRepoGraph } from "./layering/import-graph.ts";
import { checkLayering, formatViolation, type Violation } from "./layering/rules.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const graph = readRepoGraph(ROOT);
const violations = checkLayering(graph);
const where = (pick: (v: Violation) => boolean): string[] => violations.filter(pick).map(formatViolation);

describe("layering of the import graph", () => {
  it("reads the whole tree", () => {
    expect(graph.files.length).toBeGreaterThan(150);
    expect(graph.edges).toContainEqual(
      expect.objectContaining({ from: "functions/api/index.ts", to: "shared/deps.ts" }),
    );
  });

  it("nothing in shared/ imports functions/, cli/, scripts/, infra/, test/ or bench/", () => {
    expect(where((v) => v.rule === "layer/shared")).toEqual([]);
  });

  it("functions never import each other", () => {
    expect(where((v) => v.rule === "functions-import-each-other")).toEqual([]);
  });

  it("bench/ never imports test/", () => {
    expect(where((v) => v.rule === "layer/bench")).toEqual([]);
  });

  it("functions/, cli/, infra/, scripts/ import only the layers below them", () => {
    expect(where((v) => v.rule.startsWith("layer/") && v.rule !== "layer/shared" && v.rule !== "layer/bench")).toEqual(
      [],
    );
  });

  it("adapters and leaves of shared/ never import the domain or the composition root", () => {
    expect(where((v) => v.rule === "adapter-imports-domain")).toEqual([]);
  });

  it("cloud SDKs, Pulumi, prompts and functions-framework are imported only where they belong", () => {
    expect(where((v) => v.rule === "sdk-outside-adapter")).toEqual([]);
  });

  it("every relative import names a file in the tree", () => {
    expect(where((v) => v.rule === "unresolved-import")).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(findCycles(graph).map(formatCycle)).toEqual([]);
  });
});
