/** The cleanup lease on the Firestore emulator: one holder at a time, expiry, takeover, renewal, release. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import { acquireLease } from "../../shared/cleanup/lease.ts";
import { testFirestore } from "./support.ts";

describe("cleanup lease", () => {
  it("concurrent acquires: exactly one wins", async () => {
    const db = testFirestore("lease");
    const clock = new ManualClock();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => acquireLease(db, "l", `run-${i}`, { clock, ttlMs: 60_000 })),
    );
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it("an expired lease is taken over and the previous holder is named; the old holder can no longer renew", async () => {
    const db = testFirestore("lease");
    const clock = new ManualClock();
    const a = await acquireLease(db, "l", "run-a", { clock, ttlMs: 60_000 });
    expect(a.acquired).toBe(true);
    const early = await acquireLease(db, "l", "run-b", { clock, ttlMs: 60_000 });
    expect(early).toMatchObject({ acquired: false, holder: { runId: "run-a" } });
    clock.advance(61_000);
    const b = await acquireLease(db, "l", "run-b", { clock, ttlMs: 60_000 });
    expect(b).toMatchObject({ acquired: true, tookOverFrom: "run-a" });
    if (!a.acquired || !b.acquired) throw new Error("unreachable");
    expect(await a.lease.renew()).toBe(false);
    await a.lease.release(); // not the holder: a no-op
    expect((await acquireLease(db, "l", "run-c", { clock, ttlMs: 60_000 })).acquired).toBe(false);
    await b.lease.release();
    expect((await acquireLease(db, "l", "run-c", { clock, ttlMs: 60_000 })).acquired).toBe(true);
  });
});
