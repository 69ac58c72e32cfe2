/** The repo store's contract, on both backends: create-once, list order, delete, push summaries never go back; secrets. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import type { RepoDoc } from "../../shared/store/repo-store.ts";
import { createStores } from "../../shared/stores.ts";

function repo(id: string, createdAt: string, extra: Partial<RepoDoc> = {}): RepoDoc {
  return {
    id,
    provider: "github",
    repository: `acme/${id}`,
    branches: ["main", "release/*"],
    namespace: "ml",
    build: { baseImage: "127.0.0.1:5000/base:py", accelerator: "cpu" },
    createdAt,
    createdBy: "ops@example.com",
    ...extra,
  };
}

const SHA = (c: string) => c.repeat(40);

export function repoStoreContract(backend: string, open: () => DocDb): void {
  describe(`repo store on ${backend}`, () => {
    it("10 concurrent creates of one id: exactly one writes; get returns it as written", async () => {
      const { repos } = createStores(open(), { clock: new ManualClock() });
      const id = `r-${Math.random().toString(16).slice(2, 10)}`;
      const created = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          repos.create(repo(id, "2026-03-01T00:00:00.000Z", { namespace: `ns${i}` })),
        ),
      );
      expect(created.filter(Boolean)).toHaveLength(1);
      const got = await repos.get(id);
      expect(got?.namespace).toBe(`ns${created.indexOf(true)}`);
      expect(got).toEqual(repo(id, "2026-03-01T00:00:00.000Z", { namespace: got!.namespace }));
      expect(await repos.get("absent-1")).toBeUndefined();
    });

    it("lists oldest first; delete removes once", async () => {
      const { repos } = createStores(open(), { clock: new ManualClock() });
      const tag = Math.random().toString(16).slice(2, 8);
      await repos.create(repo(`b-${tag}`, "2026-03-02T00:00:00.000Z"));
      await repos.create(repo(`a-${tag}`, "2026-03-01T00:00:00.000Z"));
      const ids = (await repos.list({ limit: 500 })).map((r) => r.id).filter((id) => id.endsWith(tag));
      expect(ids).toEqual([`a-${tag}`, `b-${tag}`]);
      expect(await repos.delete(`a-${tag}`)).toBe(true);
      expect(await repos.delete(`a-${tag}`)).toBe(false);
      expect(await repos.get(`a-${tag}`)).toBeUndefined();
    });

    it("a push summary moves on for its commit, and an older push arriving late does not replace a newer one", async () => {
      const { repos } = createStores(open(), { clock: new ManualClock() });
      const id = `p-${Math.random().toString(16).slice(2, 10)}`;
      await repos.create(repo(id, "2026-03-01T00:00:00.000Z"));
      const at = (s: number) => `2026-03-01T00:00:${String(s).padStart(2, "0")}.000Z`;
      await repos.recordPush(id, { commit: SHA("b"), branch: "main", at: at(2), status: "accepted" });
      await repos.recordPush(id, { commit: SHA("a"), branch: "main", at: at(1), status: "accepted" });
      expect((await repos.get(id))?.lastPush?.commit).toBe(SHA("b"));
      await repos.recordPush(id, {
        commit: SHA("b"),
        branch: "main",
        at: at(2),
        status: "jobs-submitted",
        jobs: ["t"],
      });
      expect((await repos.get(id))?.lastPush).toMatchObject({ status: "jobs-submitted", jobs: ["t"] });
      await repos.recordPush("gone-1", { commit: SHA("c"), branch: "main", at: at(3), status: "accepted" });
      expect(await repos.get("gone-1")).toBeUndefined();
    });

    it("secrets: newest first, the previous one kept beside it for a rotation, deleted whole", async () => {
      const { hookSecrets } = createStores(open(), { clock: new ManualClock() });
      const id = `s-${Math.random().toString(16).slice(2, 10)}`;
      expect(await hookSecrets.get(id)).toEqual([]);
      await hookSecrets.put(id, "one");
      await hookSecrets.put(id, "two");
      await hookSecrets.put(id, "three");
      expect(await hookSecrets.get(id)).toEqual(["three", "two"]);
      await hookSecrets.delete(id);
      expect(await hookSecrets.get(id)).toEqual([]);
    });

    it("build refs: one per (namespace, build), listed newest first per namespace", async () => {
      const { buildRefs } = createStores(open(), { clock: new ManualClock() });
      const ns = `ns-${Math.random().toString(16).slice(2, 8)}`;
      const b = (n: number) => `${"c".repeat(64)}-${n}`;
      await buildRefs.add({ namespace: ns, buildId: b(1), at: "2026-03-01T00:00:01.000Z", source: "push:r" });
      await buildRefs.add({ namespace: ns, buildId: b(2), at: "2026-03-01T00:00:02.000Z", source: "http:a" });
      await buildRefs.add({ namespace: ns, buildId: b(1), at: "2026-03-01T00:00:03.000Z", source: "push:r" });
      await buildRefs.add({ namespace: `${ns}x`, buildId: b(3), at: "2026-03-01T00:00:04.000Z", source: "http:a" });
      expect((await buildRefs.list(ns)).map((r) => r.buildId)).toEqual([b(1), b(2)]);
      expect(await buildRefs.has(ns, b(2))).toBe(true);
      expect(await buildRefs.has(ns, b(3))).toBe(false);
    });
  });
}
