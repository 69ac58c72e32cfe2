/** The lease store's contract, on both backends: one holder at a time, expiry, takeover, renewal, release. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import type { DocDb } from "../../shared/store/docs.ts";
import { createStores } from "../../shared/stores.ts";

export function leaseStoreContract(backend: string, open: () => DocDb): void {
  function newLeases() {
    const clock = new ManualClock();
    return { clock, leases: createStores(open(), { clock }).leases };
  }

  describe(`lease store on ${backend}`, () => {
    it("concurrent acquires: exactly one wins, the others see the holder", async () => {
      const { leases } = newLeases();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => leases.acquire("l", `run-${i}`, { ttlMs: 60_000 })),
      );
      const winners = results.filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.acquired ? winners[0]!.lease.runId : "";
      for (const r of results) if (!r.acquired) expect(r.holder.runId).toBe(winner);
    });

    it("an expired lease is taken over and the previous holder is named; the old holder can no longer renew", async () => {
      const { leases, clock } = newLeases();
      const a = await leases.acquire("l", "run-a", { ttlMs: 60_000 });
      expect(a.acquired).toBe(true);
      const early = await leases.acquire("l", "run-b", { ttlMs: 60_000 });
      expect(early).toMatchObject({ acquired: false, holder: { runId: "run-a" } });
      if (!early.acquired) expect(early.holder.expiresAt).toBeInstanceOf(Date);
      clock.advance(61_000);
      const b = await leases.acquire("l", "run-b", { ttlMs: 60_000 });
      expect(b).toMatchObject({ acquired: true, tookOverFrom: "run-a" });
      if (!a.acquired || !b.acquired) throw new Error("unreachable");
      expect(await a.lease.renew()).toBe(false);
      await a.lease.release(); // not the holder: a no-op
      expect((await leases.acquire("l", "run-c", { ttlMs: 60_000 })).acquired).toBe(false);
      await b.lease.release();
      expect((await leases.acquire("l", "run-c", { ttlMs: 60_000 })).acquired).toBe(true);
    });

    it("renewal past half-time extends the lease so nobody takes it over", async () => {
      const { leases, clock } = newLeases();
      const a = await leases.acquire("r", "run-a", { ttlMs: 60_000 });
      if (!a.acquired) throw new Error("expected the lease");
      clock.advance(40_000);
      expect(await a.lease.renew()).toBe(true);
      clock.advance(40_000); // 80 s after acquiring: expired without the renewal
      expect((await leases.acquire("r", "run-b", { ttlMs: 60_000 })).acquired).toBe(false);
    });
  });
}
