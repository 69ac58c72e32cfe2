/**
 * Delivery dedupe for push hooks. A forge redelivers the same event (same
 * delivery id) after a timeout, and the same commit can arrive twice in
 * different deliveries (a re-push, two hooks on one repository): both must
 * start at most one build. The ledger is first-writer-wins on each key, so a
 * delivery proceeds only if it is the first to claim both its delivery key
 * and its commit key. The build key dedupes once more downstream (the same
 * content is never built twice); this ledger keeps the requests themselves
 * from piling up. The hook claims, then publishes; a failed publish releases
 * the claims and answers 5xx, so the forge's redelivery is new again. (A crash
 * between the two loses that delivery; a later push or `kinetic build` recovers.)
 */
import { createHash } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { DocDb } from "../store/docs.ts";
import type { PushDecision } from "./push-hook.ts";

/** First-writer-wins claims on keys (a Firestore create-once in production). */
export interface DeliveryLedger {
  /** True for the first claim of `key`, false for every later one. */
  claim(key: string): Promise<boolean>;
  /** Forgets a claim, so a redelivery is treated as new (the publish after the claim failed). */
  release(key: string): Promise<void>;
}

type BuildDecision = Extract<PushDecision, { build: unknown }>["build"];

/** The keys a push build is deduplicated by: its delivery id (if sent) and its repository + commit. */
export function dedupeKeys(b: BuildDecision): string[] {
  const keys = [`commit:${b.repo.id}:${b.push.commit}`];
  if (b.deliveryId) keys.unshift(`delivery:${b.repo.provider}:${b.deliveryId}`);
  // Hashed: the ids come from outside and become document ids.
  return keys.map((k) => createHash("sha256").update(k).digest("hex"));
}

/**
 * Claims a push's keys. "new" only when no key was claimed before; a
 * redelivery or a second push of the same commit is "duplicate".
 */
export async function claimPush(ledger: DeliveryLedger, b: BuildDecision): Promise<"new" | "duplicate"> {
  // In order, stopping at the first key already held: of concurrent copies of one delivery only the winner of
  // the delivery key goes on to the commit key, so exactly one of them can come out "new".
  for (const key of dedupeKeys(b)) if (!(await ledger.claim(key))) return "duplicate";
  return "new";
}

/** Releases a push's keys after its publish failed; only for a push claimPush called "new" (it holds them all). */
export async function releasePush(ledger: DeliveryLedger, b: BuildDecision): Promise<void> {
  for (const key of dedupeKeys(b)) await ledger.release(key);
}

/** A ledger in memory (tests, local mode). */
export function memoryLedger(): DeliveryLedger & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    async claim(key) {
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    },
    async release(key) {
      keys.delete(key);
    },
  };
}

export const DELIVERIES = "webhookDeliveries";

/**
 * A ledger over the document port (Firestore in production): one create-once
 * document per key, with an `expireAt` for Firestore's TTL policy — forges
 * redeliver for days, not forever.
 */
export function docLedger(db: DocDb, clock: Clock, options: { retentionDays?: number } = {}): DeliveryLedger {
  const keepMs = (options.retentionDays ?? 7) * 86_400_000;
  return {
    async claim(key) {
      const now = clock.now();
      const claimed = await db.create(DELIVERIES, key, {
        claimedAt: now.toISOString(),
        expireAt: new Date(now.getTime() + keepMs),
      });
      return claimed !== false;
    },
    async release(key) {
      await db.transaction(async (tx) => {
        if (await tx.get(DELIVERIES, key)) tx.delete(DELIVERIES, key);
      });
    },
  };
}
