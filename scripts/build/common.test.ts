import type { Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { dependencyRanges, importedPackages, packageName, type RootPackage } from "./common.ts";
import { rewriteTsSpecifiers } from "./declarations.ts";

const output = (imports: Metafile["outputs"][string]["imports"]): Metafile["outputs"][string] => ({
  bytes: 1,
  inputs: {},
  imports,
  exports: [],
});

describe("importedPackages", () => {
  it("lists the external packages of every output, static and lazy, without builtins or our own chunks", () => {
    const metafile: Metafile = {
      inputs: {},
      outputs: {
        "out/index.js": output([
          { path: "zod", kind: "import-statement", external: true },
          { path: "node:fs", kind: "import-statement", external: true },
          { path: "crypto", kind: "import-statement", external: true },
          { path: "@google-cloud/functions-framework/testing", kind: "import-statement", external: true },
          { path: "out/chunk-1.js", kind: "import-statement" },
        ]),
        "out/chunk-1.js": output([
          { path: "@pulumi/pulumi", kind: "dynamic-import", external: true },
          { path: "zod", kind: "import-statement", external: true },
        ]),
      },
    };
    expect(importedPackages(metafile)).toEqual(["@google-cloud/functions-framework", "@pulumi/pulumi", "zod"]);
  });

  it("reduces subpath specifiers to the package", () => {
    expect(packageName("@scope/name/sub/path")).toBe("@scope/name");
    expect(packageName("yaml/util")).toBe("yaml");
  });
});

describe("dependencyRanges", () => {
  const root: RootPackage = {
    name: "kinetic",
    version: "0.1.0",
    dependencies: { zod: "^4.6.7", express: "^5.3.0" },
    devDependencies: { vitest: "^4.1.12" },
  };

  it("takes each range from the root package.json", () => {
    expect(dependencyRanges(["zod"], root)).toEqual({ zod: "^4.6.7" });
  });

  it("fails the build for an import that is not a declared runtime dependency", () => {
    expect(() => dependencyRanges(["zod", "vitest", "left-pad"], root)).toThrow(
      /imports vitest, left-pad.*\(vitest only in devDependencies\)/,
    );
  });
});

describe("rewriteTsSpecifiers", () => {
  it("points relative imports of declarations at .js and leaves packages alone", () => {
    const dts = [
      'import { a } from "./a.ts";',
      'export type { B } from "../b/b.ts";',
      'type C = import("./c.ts").C;',
      'import { z } from "zod";',
    ].join("\n");
    expect(rewriteTsSpecifiers(dts)).toBe(
      [
        'import { a } from "./a.js";',
        'export type { B } from "../b/b.js";',
        'type C = import("./c.js").C;',
        'import { z } from "zod";',
      ].join("\n"),
    );
  });
});
