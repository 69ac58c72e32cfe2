/**
 * The layering rules, as data, and the checks that apply them to an import
 * graph. Imports point down only:
 *
 *   functions/<name>/  →  functions/*.ts (deploy.ts, http.ts)  →  shared/
 *   shared/deps.ts (composition root)  →  shared/ domain (jobs, cleanup)
 *     →  shared/ adapters (store, cluster, bus, client, security, config) and leaves
 *   cli/, infra/, scripts/, bench/, testbed/, test/: clients of shared/; nothing in shared/
 *   imports them, and bench/ never imports test/ (it shares testbed/ and scripts/lib/ instead)
 *
 * Cloud SDKs live in their adapters (see SDK_HOMES) so the domain never sees
 * them; tooling layers that drive emulators and real services (scripts/,
 * test/, bench/, testbed/) may use them directly.
 */
import type { ImportEdge, ImportGraph } from "./import-graph.ts";

export interface Violation {
  rule: string;
  edge: ImportEdge;
  why: string;
}

/** Where each layer may import from (repo-relative path prefixes; a prefix ending in .ts is one file). */
const LAYER_MAY_IMPORT: Record<string, string[]> = {
  shared: ["shared/"],
  functions: ["functions/", "shared/"], // narrowed per function folder by functionsIsolated
  cli: ["cli/", "shared/", "infra/"], // `kinetic infra …` drives the Pulumi program in-process
  infra: ["infra/", "shared/", "functions/deploy.ts"], // deploys what the declaration lists
  // Local mode serves the real functions; the build reads the artifact names infra deploys.
  scripts: ["scripts/", "shared/", "functions/", "infra/"],
  bench: ["bench/", "shared/", "functions/", "scripts/", "testbed/"],
  // The local Kubernetes cluster the integration suites and the benches run on.
  testbed: ["testbed/", "scripts/", "shared/"],
  examples: ["shared/"],
  // Browser code: its own modules, and the job state machine's lists (a leaf without imports); the API's JSON is its
  // contract, never server code.
  dashboard: ["dashboard/", "shared/schemas/job-state.ts"],
  test: [""],
  root: [""], // vitest.config.ts and friends
};

/** The shared/ domain: only the composition root, functions and tooling sit above it. */
const DOMAIN = ["shared/jobs/", "shared/cleanup/", "shared/builds/", "shared/studies/", "shared/utilization/"];
const COMPOSITION_ROOT = "shared/deps.ts";
/** shared/ modules that sit above the domain and may import it. */
const ABOVE_DOMAIN = [COMPOSITION_ROOT, "shared/stores.ts", "shared/testing.ts"];

const TOOLING = ["scripts/", "test/", "bench/", "testbed/"];

/**
 * Packages and the only places that may import them. A package not listed
 * here is unrestricted (zod, yaml, express types…).
 */
export const SDK_HOMES: { pkg: string; homes: string[]; why: string }[] = [
  {
    pkg: "@google-cloud/firestore",
    homes: ["shared/store/", COMPOSITION_ROOT, ...TOOLING],
    why: "Firestore is reached through shared/store's ports",
  },
  {
    pkg: "@google-cloud/pubsub",
    homes: ["shared/bus/", "shared/client/", COMPOSITION_ROOT, ...TOOLING],
    why: "Pub/Sub is reached through shared/bus (functions) or shared/client (CLI/SDK)",
  },
  {
    pkg: "@kubernetes/client-node",
    homes: ["shared/cluster/", COMPOSITION_ROOT, ...TOOLING],
    why: "Kubernetes is reached through shared/cluster's ClusterClient",
  },
  {
    pkg: "@google-cloud/container",
    homes: ["shared/cluster/", COMPOSITION_ROOT, ...TOOLING],
    why: "GKE is found by shared/cluster/connect.ts",
  },
  {
    pkg: "google-auth-library",
    // cluster/connect.ts gets GKE access tokens; infra/state.ts reads the state bucket.
    homes: ["shared/security/", "shared/cluster/", COMPOSITION_ROOT, "infra/", ...TOOLING],
    why: "tokens are verified in shared/security",
  },
  { pkg: "@pulumi/", homes: ["infra/"], why: "Pulumi belongs to infra/ (deployed functions must not carry it)" },
  { pkg: "@inquirer/prompts", homes: ["cli/"], why: "prompts belong to the CLI" },
  {
    pkg: "@google-cloud/functions-framework",
    homes: ["functions/*/index.ts", ...TOOLING],
    why: "only a function's index.ts registers with functions-framework; handlers are plain functions",
  },
];

export function layerOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "root" : path.slice(0, slash);
}

/** `path` is `prefix` (a file), inside it (a folder ending in '/'), or matches `dir/*\/file`. */
function within(path: string, prefix: string): boolean {
  if (prefix.includes("*")) {
    const [head, tail] = prefix.split("*") as [string, string];
    const middle = path.slice(head.length, path.length - tail.length);
    return path.startsWith(head) && path.endsWith(tail) && middle !== "" && !middle.includes("/");
  }
  return prefix.endsWith("/") || prefix === "" ? path.startsWith(prefix) : path === prefix;
}

function packageMatches(specifier: string, pkg: string): boolean {
  return pkg.endsWith("/") ? specifier.startsWith(pkg) : specifier === pkg || specifier.startsWith(`${pkg}/`);
}

/** functions/<name>/… → its folder name; undefined for functions/*.ts and other layers. */
function functionFolder(path: string): string | undefined {
  const m = /^functions\/([^/]+)\//.exec(path);
  return m?.[1];
}

function layerRule(e: ImportEdge & { to: string }): Violation | undefined {
  const layer = layerOf(e.from);
  const allowed = LAYER_MAY_IMPORT[layer];
  if (allowed?.some((p) => within(e.to, p))) return undefined;
  return {
    rule: `layer/${layer}`,
    edge: e,
    why: allowed
      ? `${layer}/ may import only ${allowed.join(", ")}`
      : `${layer}/ is not a known layer: declare what it may import in LAYER_MAY_IMPORT`,
  };
}

function functionsIsolated(e: ImportEdge & { to: string }): Violation | undefined {
  if (layerOf(e.from) !== "functions" || layerOf(e.to) !== "functions") return undefined;
  const from = functionFolder(e.from);
  const to = functionFolder(e.to);
  if (to === undefined || to === from) return undefined;
  return {
    rule: "functions-import-each-other",
    edge: e,
    why: from
      ? `function ${from} imports function ${to}; share code through functions/*.ts or shared/`
      : `functions-level module imports function ${to}`,
  };
}

function domainStaysAbove(e: ImportEdge & { to: string }): Violation | undefined {
  const intoDomain = DOMAIN.some((d) => within(e.to, d));
  const intoRoot = within(e.to, COMPOSITION_ROOT);
  if (layerOf(e.from) !== "shared" || (!intoDomain && !intoRoot)) return undefined;
  if (ABOVE_DOMAIN.some((p) => within(e.from, p))) return undefined;
  if (intoDomain && DOMAIN.some((d) => within(e.from, d))) return undefined;
  return {
    rule: "adapter-imports-domain",
    edge: e,
    why: intoRoot
      ? "only functions and tooling use the composition root"
      : "adapters and leaves of shared/ sit below the domain (jobs, cleanup)",
  };
}

function sdkHome(e: ImportEdge): Violation | undefined {
  if (e.to !== undefined || e.unresolved) return undefined;
  const sdk = SDK_HOMES.find((s) => packageMatches(e.specifier, s.pkg));
  if (!sdk || sdk.homes.some((h) => within(e.from, h))) return undefined;
  return { rule: "sdk-outside-adapter", edge: e, why: `${sdk.why} (allowed in ${sdk.homes.join(", ")})` };
}

/** Every layering violation in the graph (cycles are separate: see findCycles). */
export function checkLayering(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  for (const e of graph.edges) {
    if (e.unresolved) {
      out.push({ rule: "unresolved-import", edge: e, why: "names no file in the tree" });
      continue;
    }
    const sdk = sdkHome(e);
    if (sdk) out.push(sdk);
    if (e.to === undefined) continue;
    const local = { ...e, to: e.to };
    for (const check of [layerRule, functionsIsolated, domainStaysAbove]) {
      const v = check(local);
      if (v) out.push(v);
    }
  }
  return out;
}

export function formatViolation(v: Violation): string {
  const target = v.edge.to && v.edge.to !== v.edge.specifier ? ` (${v.edge.to})` : "";
  return `${v.edge.from}:${v.edge.line} imports ${v.edge.specifier}${target}: ${v.why}`;
}
