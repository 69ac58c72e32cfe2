import { describe, expect, it } from "vitest";
import { ignoreMatcher } from "./ignore.ts";

describe(".kineticignore", () => {
  const m = ignoreMatcher(
    [
      "# comment",
      "*.ckpt",
      "data/",
      "/build",
      "docs/**/*.png",
      "logs/**",
      "!keep.ckpt",
      "secret?.txt",
      "[ab].tmp",
      "\\#literal",
      "",
    ].join("\n"),
  );
  const cases: Array<[string, boolean, boolean?]> = [
    ["model.ckpt", true],
    ["sub/dir/model.ckpt", true],
    ["keep.ckpt", false],
    ["data", true, true],
    ["data/x.csv", true],
    ["sub/data/x.csv", true],
    ["data", false], // a file named data: the pattern is for directories only
    ["build/out.o", true],
    ["sub/build/out.o", false], // anchored to the root
    ["docs/a.png", true],
    ["docs/x/y/a.png", true],
    ["docs/a.md", false],
    ["logs/today/app.log", true],
    ["logs", false],
    ["secret1.txt", true],
    ["secret12.txt", false],
    ["a.tmp", true],
    ["c.tmp", false],
    ["#literal", true],
    ["train.py", false],
    // defaults
    [".git/HEAD", true],
    [".env", true],
    [".env.local", true],
    ["certs/server.pem", true],
    ["pkg/__pycache__/m.cpython-311.pyc", true],
    [".kineticignore", true],
  ];
  for (const [path, ignored, isDir] of cases) {
    it(`${path}${isDir ? "/" : ""} → ${ignored ? "ignored" : "kept"}`, () => {
      expect(m.ignores(path, isDir)).toBe(ignored);
    });
  }

  it("a ! line re-includes a default and a file under an excluded directory (last match wins)", () => {
    const n = ignoreMatcher("!.env\ndata/\n!data/README.md\n");
    expect(n.ignores(".env")).toBe(false);
    expect(n.ignores("data/x.csv")).toBe(true);
    expect(n.ignores("data/README.md")).toBe(false);
    expect(n.hasNegations).toBe(true);
  });

  it("defaults can be switched off", () => {
    expect(ignoreMatcher("", { defaults: false }).ignores(".env")).toBe(false);
  });
});
