import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { memoryStores } from "../stores.ts";
import { registerRepo, removeRepo, repoView, REPO_ID_PATTERN } from "./repos.ts";

const INPUT = {
  provider: "github",
  repository: "Acme/Train.Models",
  branches: ["main", "release/*"],
  namespace: "ml",
  build: { baseImage: "127.0.0.1:5000/kinetic/base:py", requirementsPath: "requirements.txt" },
};

function deps() {
  const stores = memoryStores();
  return { repos: stores.repos, hookSecrets: stores.hookSecrets, clock: new ManualClock() };
}

describe("repository registration", () => {
  it("makes an id for the hook URL and a secret returned once; the store and views never hold the secret", async () => {
    const d = deps();
    const { repo, secret } = await registerRepo(d, INPUT, "ops@example.com");
    expect(repo.id).toMatch(REPO_ID_PATTERN);
    expect(repo.id).toMatch(/^train-models-[0-9a-f]{10}$/);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(repo).toMatchObject({
      build: { accelerator: "cpu" },
      createdBy: "ops@example.com",
      branches: ["main", "release/*"],
    });
    expect(await d.hookSecrets.get(repo.id)).toEqual([secret]);
    const view = repoView((await d.repos.get(repo.id))!, "http://127.0.0.1:9000");
    expect(view.hookUrl).toBe(`http://127.0.0.1:9000/hooks/${repo.id}`);
    expect(JSON.stringify(view)).not.toContain(secret);
    const second = await registerRepo(d, INPUT, "ops@example.com");
    expect(second.repo.id).not.toBe(repo.id);
    expect(second.secret).not.toBe(secret);
  });

  it("refuses bad input naming the field, and removes a registration with its secret", async () => {
    const d = deps();
    const issues = async (input: unknown) => {
      try {
        await registerRepo(d, input, "ops");
      } catch (err) {
        return (err as { issues?: { field: string }[] }).issues?.map((i) => i.field);
      }
      return [];
    };
    expect(await issues({ ...INPUT, provider: "bitbucket" })).toEqual(["provider"]);
    expect(await issues({ ...INPUT, branches: ["main branch"] })).toEqual(["branches.0"]);
    expect(await issues({ ...INPUT, build: { ...INPUT.build, subdir: "../etc" } })).toEqual(["build.subdir"]);
    expect(await issues({ ...INPUT, extra: 1 })).toEqual(["extra"]);
    const { repo } = await registerRepo(d, INPUT, "ops");
    await removeRepo(d, repo.id);
    expect(await d.repos.get(repo.id)).toBeUndefined();
    expect(await d.hookSecrets.get(repo.id)).toEqual([]);
    await expect(removeRepo(d, repo.id)).rejects.toThrow(/not registered/);
  });
});
