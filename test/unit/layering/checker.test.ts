// The layering checker on small synthetic trees: each rule fires on the edge
// that breaks it, names the file and line, and stays quiet on a clean tree.
import { describe, expect, it } from "vitest";
import { findCycles, formatCycle } from "./cycles.ts";
import { buildGraph, importsOf, resolveSpecifier, type ImportGraph } from "./import-graph.ts";
import { checkLayering, formatViolation } from "./rules.ts";

function graphOf(files: Record<string, string>): ImportGraph {
  return buildGraph(
    Object.keys(files),
    (p) => files[p]!,
    (p) => p in files,
  );
}

function report(files: Record<string, string>): string[] {
  return checkLayering(graphOf(files)).map((v) => `${v.rule} ${formatViolation(v)}`);
}

describe("reading imports", () => {
  it("sees static, type-only, re-export, side-effect and dynamic imports, not strings or comments", () => {
    const text = [
      'import type { A } from "./a.ts";',
      'import { type B } from "./b.ts";',
      'export * from "./c.ts";',
      'export type { D } from "./d.ts";',
      'import "./e.ts";',
      'const f = await import("./f.ts");',
      'type G = typeof import("./g.ts");',
      "const s = \"import('./not-an-import.ts')\";",
      '// import { h } from "./commented.ts";',
    ].join("\n");
    expect(importsOf(text)).toEqual([
      { specifier: "./a.ts", line: 1 },
      { specifier: "./b.ts", line: 2 },
      { specifier: "./c.ts", line: 3 },
      { specifier: "./d.ts", line: 4 },
      { specifier: "./e.ts", line: 5 },
      { specifier: "./f.ts", line: 6 },
      { specifier: "./g.ts", line: 7 },
    ]);
  });

  it("resolves relative specifiers against the importing file; packages stay unresolved", () => {
    const exists = (p: string) => ["shared/a.ts", "shared/dir/index.ts"].includes(p);
    expect(resolveSpecifier("shared/x/y.ts", "../a.ts", exists)).toBe("shared/a.ts");
    expect(resolveSpecifier("shared/x/y.ts", "../a.js", exists)).toBe("shared/a.ts");
    expect(resolveSpecifier("shared/y.ts", "./dir", exists)).toBe("shared/dir/index.ts");
    expect(resolveSpecifier("shared/y.ts", "./gone.ts", exists)).toBeNull();
    expect(resolveSpecifier("shared/y.ts", "zod", exists)).toBeUndefined();
  });
});

describe("layering rules", () => {
  it("passes a tree that only imports down", () => {
    expect(
      report({
        "functions/api/index.ts": 'import "../http.ts";\nimport "../../shared/deps.ts";',
        "functions/http.ts": 'import "../shared/errors.ts";',
        "shared/deps.ts": 'import "./jobs/submit.ts";\nimport "@google-cloud/firestore";',
        "shared/jobs/submit.ts": 'import "../store/job-store.ts";',
        "shared/store/job-store.ts": 'import "@google-cloud/firestore";\nimport "../errors.ts";',
        "shared/errors.ts": "",
        "infra/iam.ts": 'import "../functions/deploy.ts";\nimport "@pulumi/gcp";',
        "functions/deploy.ts": "",
        "bench/run.ts": 'import "../scripts/lib/emulators.ts";\nimport "../shared/deps.ts";',
        "scripts/lib/emulators.ts": "",
        "test/x.test.ts": 'import "../functions/api/index.ts";\nimport "../bench/run.ts";',
      }),
    ).toEqual([]);
  });

  it("flags shared/ importing an upper layer, with file and line", () => {
    expect(
      report({
        "shared/bus/event-bus.ts": 'import { z } from "zod";\nimport { TOPICS } from "../../functions/deploy.ts";',
        "functions/deploy.ts": "",
        "shared/manifests/golden.test.ts": 'import "../../test/golden/cases.ts";',
        "test/golden/cases.ts": "",
      }),
    ).toEqual([
      "layer/shared shared/bus/event-bus.ts:2 imports ../../functions/deploy.ts (functions/deploy.ts): shared/ may import only shared/",
      "layer/shared shared/manifests/golden.test.ts:1 imports ../../test/golden/cases.ts (test/golden/cases.ts): shared/ may import only shared/",
    ]);
  });

  it("flags one function importing another, and a functions-level module importing a function", () => {
    const out = report({
      "functions/sync-jobs/index.ts": 'import "../api/respond.ts";\nimport "./handler.ts";\nimport "../http.ts";',
      "functions/sync-jobs/handler.ts": "",
      "functions/api/respond.ts": "",
      "functions/http.ts": 'import "./api/respond.ts";',
    });
    expect(out).toEqual([
      expect.stringMatching(
        /^functions-import-each-other functions\/sync-jobs\/index.ts:1 .*function sync-jobs imports function api/,
      ),
      expect.stringMatching(
        /^functions-import-each-other functions\/http.ts:1 .*functions-level module imports function api/,
      ),
    ]);
  });

  it("flags bench/ importing test/ and cli/ importing functions/", () => {
    const out = report({
      "bench/lib.ts": 'import "../test/fakes/history.ts";',
      "test/fakes/history.ts": "",
      "cli/bin.ts": 'import "../functions/deploy.ts";',
      "functions/deploy.ts": "",
    });
    expect(out.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "layer/bench bench/lib.ts:1",
      "layer/cli cli/bin.ts:1",
    ]);
  });

  it("flags an adapter importing the domain or the composition root", () => {
    const out = report({
      "shared/store/job-store.ts": 'import "../jobs/submit.ts";',
      "shared/cluster/kube.ts": 'import type { Deps } from "../deps.ts";',
      "shared/jobs/submit.ts": 'import "../cleanup/run.ts";',
      "shared/cleanup/run.ts": "",
      "shared/deps.ts": 'import "./jobs/submit.ts";',
    });
    expect(out.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "adapter-imports-domain shared/store/job-store.ts:1",
      "adapter-imports-domain shared/cluster/kube.ts:1",
    ]);
  });

  it("flags cloud SDKs outside their adapters, type-only and dynamic imports included", () => {
    const out = report({
      "shared/cleanup/run.ts": 'import type { Timestamp } from "@google-cloud/firestore";',
      "shared/cleanup/refs.ts": 'import type { KubernetesObject } from "@kubernetes/client-node";',
      "functions/api/app.ts": 'const { PubSub } = await import("@google-cloud/pubsub");',
      "cli/infra.ts": 'import "@pulumi/pulumi";',
      "functions/api/handler.ts": 'import * as ff from "@google-cloud/functions-framework";',
      "shared/store/job-store.ts": 'import { Firestore } from "@google-cloud/firestore";',
      "shared/cluster/connect.ts": 'await import("google-auth-library");',
      "functions/api/index.ts": 'import * as ff from "@google-cloud/functions-framework";',
      "test/support.ts": 'import { Firestore } from "@google-cloud/firestore";',
    });
    expect(out.map((l) => l.split(" ").slice(0, 4).join(" "))).toEqual([
      "sdk-outside-adapter shared/cleanup/run.ts:1 imports @google-cloud/firestore:",
      "sdk-outside-adapter shared/cleanup/refs.ts:1 imports @kubernetes/client-node:",
      "sdk-outside-adapter functions/api/app.ts:1 imports @google-cloud/pubsub:",
      "sdk-outside-adapter cli/infra.ts:1 imports @pulumi/pulumi:",
      "sdk-outside-adapter functions/api/handler.ts:1 imports @google-cloud/functions-framework:",
    ]);
  });

  it("flags a relative import of a file that does not exist", () => {
    expect(report({ "shared/a.ts": 'import "./gone.ts";' })).toEqual([
      "unresolved-import shared/a.ts:1 imports ./gone.ts: names no file in the tree",
    ]);
  });
});

describe("cycles", () => {
  it("reports each circle once as a path to follow, with the rest of its component", () => {
    const graph = graphOf({
      "infra/config.ts": 'import "./pools.ts";',
      "infra/pools.ts": 'import type { C } from "./config.ts";',
      "t/a.ts": 'import "./b.ts";',
      "t/b.ts": 'import "./c.ts";\nimport "./d.ts";',
      "t/c.ts": 'import "./a.ts";',
      "t/d.ts": 'import "./b.ts";',
      "t/self.ts": 'import "./self.ts";',
      "t/leaf.ts": 'import "./a.ts";',
    });
    expect(findCycles(graph).map(formatCycle).sort()).toEqual([
      "infra/config.ts → infra/pools.ts → infra/config.ts",
      "t/a.ts → t/b.ts → t/c.ts → t/a.ts (same circle: t/d.ts)",
      "t/self.ts → t/self.ts",
    ]);
  });

  it("finds none in a tree", () => {
    const graph = graphOf({ "a.ts": 'import "./b.ts";\nimport "./c.ts";', "b.ts": 'import "./c.ts";', "c.ts": "" });
    expect(findCycles(graph)).toEqual([]);
  });
});
