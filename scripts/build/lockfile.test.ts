import { describe, expect, it } from "vitest";
import { locate, pruneLockfile, type Lockfile } from "./lockfile.ts";

// A root with two runtime dependencies and a dev tool. `a` needs c@1 (nested
// under it), `b` needs c@2 (hoisted); `b` optionally needs a platform package
// and `e` is reachable only through that optional edge.
const LOCK: Lockfile = {
  name: "root",
  version: "1.0.0",
  lockfileVersion: 3,
  requires: true,
  packages: {
    "": {
      name: "root",
      version: "1.0.0",
      dependencies: { a: "^1.0.0", b: "^1.0.0", "@s/x": "^1.0.0" },
      devDependencies: { dev: "^1.0.0" },
    },
    "node_modules/a": { version: "1.0.0", dependencies: { c: "^1.0.0" } },
    "node_modules/a/node_modules/c": { version: "1.5.0" },
    "node_modules/b": {
      version: "1.0.0",
      dependencies: { c: "^2.0.0" },
      optionalDependencies: { "plat-linux": "1.0.0", "plat-mac": "1.0.0" },
      peerDependencies: { "@types/node": "*" },
      peerDependenciesMeta: { "@types/node": { optional: true } },
    },
    "node_modules/c": { version: "2.1.0", devOptional: true },
    "node_modules/plat-linux": { version: "1.0.0", optional: true, os: ["linux"], dependencies: { e: "^1.0.0" } },
    "node_modules/e": { version: "1.0.0", optional: true },
    "node_modules/@s/x": { version: "1.0.0", dependencies: { c: "^2.0.0" } },
    "node_modules/dev": { version: "1.0.0", dev: true, dependencies: { "dev-only": "^1.0.0" } },
    "node_modules/dev-only": { version: "1.0.0", dev: true },
    "node_modules/@types/node": { version: "24.0.0", dev: true },
  },
};

describe("locate", () => {
  it("finds a package the way Node does: nested first, then each ancestor", () => {
    expect(locate(LOCK.packages, "node_modules/a", "c")).toBe("node_modules/a/node_modules/c");
    expect(locate(LOCK.packages, "node_modules/b", "c")).toBe("node_modules/c");
    expect(locate(LOCK.packages, "node_modules/@s/x", "c")).toBe("node_modules/c");
    expect(locate(LOCK.packages, "", "missing")).toBeUndefined();
  });
});

describe("pruneLockfile", () => {
  const pruned = pruneLockfile(LOCK, { name: "sub", version: "2.0.0", dependencies: { a: "^1.0.0", b: "^1.0.0" } });

  it("keeps exactly what the chosen dependencies reach, dev tools and optional peers left out", () => {
    expect(Object.keys(pruned.packages).sort()).toEqual(
      [
        "",
        "node_modules/a",
        "node_modules/a/node_modules/c",
        "node_modules/b",
        "node_modules/c",
        "node_modules/e",
        "node_modules/plat-linux",
      ].sort(),
    );
  });

  it("has its own root entry and no dev flags; optional only where optional edges alone lead", () => {
    expect(pruned.packages[""]).toEqual({
      name: "sub",
      version: "2.0.0",
      dependencies: { a: "^1.0.0", b: "^1.0.0" },
    });
    expect(pruned.packages["node_modules/c"]).toEqual({ version: "2.1.0" });
    expect(pruned.packages["node_modules/plat-linux"]?.optional).toBe(true);
    expect(pruned.packages["node_modules/e"]?.optional).toBe(true);
    expect(pruned.packages["node_modules/a"]?.optional).toBeUndefined();
    expect(pruned).toMatchObject({ name: "sub", version: "2.0.0", lockfileVersion: 3, requires: true });
  });

  it("refuses a lockfile that does not match the declared ranges, or lacks a required package", () => {
    expect(() => pruneLockfile(LOCK, { name: "s", version: "1.0.0", dependencies: { a: "^2.0.0" } })).toThrow(
      /out of date for a/,
    );
    const broken: Lockfile = { ...LOCK, packages: { ...LOCK.packages } };
    delete broken.packages["node_modules/a/node_modules/c"];
    delete broken.packages["node_modules/c"];
    expect(() => pruneLockfile(broken, { name: "s", version: "1.0.0", dependencies: { a: "^1.0.0" } })).toThrow(
      /no c for node_modules\/a/,
    );
  });
});
