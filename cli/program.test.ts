import { describe, expect, it } from "vitest";
import { misplacedProfileFlag } from "./program.ts";

describe("misplacedProfileFlag", () => {
  it("accepts --profile before the subcommand, after other global flags with values", () => {
    expect(misplacedProfileFlag(["--profile", "dev", "jobs", "list"])).toBeUndefined();
    expect(misplacedProfileFlag(["--zone", "us-east5-b", "--profile", "dev", "config"])).toBeUndefined();
    expect(misplacedProfileFlag(["--profile=dev", "profile", "ls"])).toBeUndefined();
  });

  it("rejects --profile after the subcommand and shows the corrected command", () => {
    expect(misplacedProfileFlag(["jobs", "list", "--profile", "dev"])).toBe(
      "--profile is a global flag and goes before the subcommand: kinetic --profile dev jobs list",
    );
    expect(misplacedProfileFlag(["--zone", "us-east5-b", "jobs", "status", "j1", "--profile=x"])).toBe(
      "--profile is a global flag and goes before the subcommand: kinetic --zone us-east5-b --profile x jobs status j1",
    );
  });

  it("ignores anything after --", () => {
    expect(misplacedProfileFlag(["jobs", "logs", "j1", "--", "--profile"])).toBeUndefined();
  });
});
