/** The build store's contract, on both backends: one creator per attempt, claims with expiry, a machine that never goes back. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import { BUILD_POISON, LOG_TAIL_LINES, type NewBuild } from "../../shared/store/build-store.ts";
import { createStores } from "../../shared/stores.ts";

const KEY = "ab".repeat(32);
function newBuild(key = KEY): NewBuild {
  return {
    key,
    request: { context: { kind: "dir", path: "/src" }, baseImage: "r/base:1", accelerator: "cpu" },
    image: `127.0.0.1:5000/kinetic/train:${key}`,
    baseImage: "127.0.0.1:5000/kinetic/base@sha256:" + "c".repeat(64),
    accelerator: "cpu",
    recipe: "crane-layers@1",
  };
}

export function buildStoreContract(backend: string, open: () => DocDb): void {
  function newStore() {
    const clock = new ManualClock();
    return { clock, builds: createStores(open(), { clock }).builds };
  }

  describe(`build store on ${backend}`, () => {
    it("100 concurrent opens of one key: exactly one creates attempt 1, every other one joins it", async () => {
      const { builds } = newStore();
      const results = await Promise.all(Array.from({ length: 100 }, () => builds.open(newBuild())));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      for (const r of results) expect(r.build).toMatchObject({ id: `${KEY}-1`, attempt: 1, state: "QUEUED" });
      expect((await builds.latest(KEY))?.id).toBe(`${KEY}-1`);
      expect(await builds.latest("ef".repeat(32))).toBeUndefined();
    });

    it("a claim moves QUEUED to BUILDING for one owner; a lapsed claim is taken over; a released one at once", async () => {
      const { builds, clock } = newStore();
      const { build } = await builds.open(newBuild());
      const a = await builds.claim(build.id, { owner: "a", holdMs: 60_000 });
      expect(a).toMatchObject({ state: "BUILDING", reason: "Started", claimOwner: "a" });
      expect(await builds.claim(build.id, { owner: "b", holdMs: 60_000 })).toBeUndefined();
      clock.advance(61_000);
      expect(await builds.claim(build.id, { owner: "b", holdMs: 60_000 })).toMatchObject({
        reason: "TakenOver",
        claimOwner: "b",
      });
      await builds.release(build.id, "a"); // not the holder: nothing happens
      expect(await builds.claim(build.id, { owner: "c", holdMs: 60_000 })).toBeUndefined();
      await builds.release(build.id, "b");
      expect(await builds.claim(build.id, { owner: "c", holdMs: 60_000 })).toMatchObject({ claimOwner: "c" });
      expect((await builds.get(build.id))?.startedAt).toBe(a?.startedAt);
    });

    it("SUCCEEDED keeps the digest, resolved versions, duration and log tail; nothing moves a finished build", async () => {
      const { builds } = newStore();
      const { build } = await builds.open(newBuild());
      await builds.claim(build.id, { owner: "a", holdMs: 60_000 });
      expect((await builds.transition(build.id, { to: "QUEUED", reason: "Back" })).applied).toBe(false);
      const lines = Array.from({ length: LOG_TAIL_LINES + 10 }, (_, i) => `line ${i}`);
      await builds.setLogTail(build.id, lines);
      const done = await builds.transition(build.id, {
        to: "SUCCEEDED",
        reason: "Built",
        patch: { digest: "sha256:" + "d".repeat(64), resolvedPackages: { numpy: "2.1.0" }, durationMs: 1234 },
      });
      expect(done.applied).toBe(true);
      const got = await builds.get(build.id);
      expect(got).toMatchObject({ state: "SUCCEEDED", digest: "sha256:" + "d".repeat(64), durationMs: 1234 });
      expect(got?.resolvedPackages).toEqual({ numpy: "2.1.0" });
      expect(got?.logTail).toHaveLength(LOG_TAIL_LINES);
      expect(got?.logTail?.at(-1)).toBe(`line ${LOG_TAIL_LINES + 9}`);
      expect(got?.finishedAt).toBeDefined();
      expect(got?.expireAt).toBeInstanceOf(Date);
      expect(got?.events.map((e) => e.state)).toEqual(["QUEUED", "BUILDING", "SUCCEEDED"]);
      expect((await builds.transition(build.id, { to: "FAILED", reason: "Late" })).applied).toBe(false);
      expect(await builds.claim(build.id, { owner: "z", holdMs: 1 })).toBeUndefined();
      expect((await builds.open(newBuild())).build.state).toBe("SUCCEEDED");
    });

    it("after FAILED, a key is built again only on request, as attempt 2, by one of many concurrent retriers", async () => {
      const { builds } = newStore();
      const { build } = await builds.open(newBuild());
      await builds.transition(build.id, { to: "FAILED", reason: "RequirementsFailed", message: "no such package" });
      const again = await builds.open(newBuild());
      expect(again).toMatchObject({
        created: false,
        build: { attempt: 1, state: "FAILED", reason: "RequirementsFailed" },
      });
      const retries = await Promise.all(
        Array.from({ length: 20 }, () => builds.open(newBuild(), { retryFailed: true })),
      );
      expect(retries.filter((r) => r.created)).toHaveLength(1);
      for (const r of retries) expect(r.build).toMatchObject({ id: `${KEY}-2`, attempt: 2 });
      expect((await builds.latest(KEY))?.attempt).toBe(2);
    });

    it("records a poison message once per message id, bounded, with an expiry", async () => {
      const docs = open();
      const builds = createStores(docs, { clock: new ManualClock("2026-03-01T00:00:00Z") }).builds;
      await builds.recordPoison("m/1", "not JSON", "x".repeat(20_000));
      await builds.recordPoison("m/1", "again", "y");
      const snap = await docs.get(BUILD_POISON, "m_1");
      expect(snap?.data).toMatchObject({ messageId: "m/1", reason: "not JSON" });
      expect((snap?.data.text as string).length).toBeLessThanOrEqual(8192);
      expect(snap?.data.expireAt).toBeInstanceOf(Date);
    });

    it("lists newest first", async () => {
      const { builds, clock } = newStore();
      await builds.open(newBuild("01".repeat(32)));
      clock.advance(1000);
      await builds.open(newBuild("02".repeat(32)));
      const list = await builds.list({ limit: 10 });
      expect(list.map((b) => b.key)).toEqual(["02".repeat(32), "01".repeat(32)]);
    });
  });
}
