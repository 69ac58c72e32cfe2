/** The settings table in README.md names every declared setting's flag and env var. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROFILE_SETTINGS, SETTING_KEYS, SETTINGS } from "../../../shared/config/settings.ts";
import { REPO } from "./helpers.ts";

describe("README.md settings table", () => {
  // Only the CLI's settings table: the operator table above it names some of the same env vars.
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("#### Settings"), readme.indexOf("#### Profiles"));
  const rows = section.split("\n").filter((l) => l.startsWith("| ") && l.includes("KINETIC_"));

  it("has one row per setting with its flag, env var and default", () => {
    for (const key of SETTING_KEYS) {
      const spec = SETTINGS[key];
      const row = rows.find((r) => r.includes(`\`${spec.env}\``));
      expect(row, key).toBeDefined();
      expect(row, key).toContain(`\`${spec.flag}\``);
      if (spec.defaultLabel.startsWith("none")) expect(row, key).toMatch(/\| none/);
      else expect(row, key).toContain(`\`${spec.defaultLabel}\``);
    }
    for (const extra of Object.values(PROFILE_SETTINGS))
      expect(
        rows.some((r) => r.includes(`\`${extra.env}\``)),
        extra.env,
      ).toBe(true);
  });
});
