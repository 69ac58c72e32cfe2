// Golden manifests: every case in test/golden/manifests/cases.ts renders to the
// committed YAML byte for byte. UPDATE_GOLDEN=1 rewrites the files. Lives in
// test/ with its fixtures (shared/ never imports test/).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GOLDEN_CASES, GOLDEN_OPTIONS } from "../golden/manifests/cases.ts";
import { renderWorkload } from "../../shared/manifests/render.ts";
import { workloadToYaml } from "../../shared/manifests/to-yaml.ts";
import { parseJobSpec } from "../../shared/schemas/job-spec.ts";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../golden/manifests");
const update = process.env.UPDATE_GOLDEN === "1";

function render(c: (typeof GOLDEN_CASES)[number]): string {
  return workloadToYaml(renderWorkload(c.jobId, parseJobSpec(c.spec), c.opts ?? GOLDEN_OPTIONS));
}

describe("golden manifests", () => {
  it("has at least 12 cases with unique names", () => {
    expect(GOLDEN_CASES.length).toBeGreaterThanOrEqual(12);
    expect(new Set(GOLDEN_CASES.map((c) => c.name)).size).toBe(GOLDEN_CASES.length);
  });

  for (const c of GOLDEN_CASES) {
    it(`${c.name}.yaml matches the rendering`, () => {
      const file = join(GOLDEN_DIR, `${c.name}.yaml`);
      const text = render(c);
      if (update) writeFileSync(file, text);
      expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }

  it("renders byte-identically twice", () => {
    for (const c of GOLDEN_CASES) expect(render(c)).toBe(render(c));
  });

  it("has no golden file without a case", () => {
    const names = new Set(GOLDEN_CASES.map((c) => `${c.name}.yaml`));
    const stale = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".yaml") && !names.has(f));
    expect(stale).toEqual([]);
  });
});
