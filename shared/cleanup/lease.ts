/**
 * A Firestore lease so only one cleanup run acts at a time (overlap policy
 * SKIP): taking it is a transaction that succeeds only when the lease is
 * free or expired, and every renewal checks the holder is still us. A run
 * that dies keeps the lease until it expires; the next run then takes over.
 */
import { randomUUID } from "node:crypto";
import { Timestamp, type Firestore } from "@google-cloud/firestore";
import type { Clock } from "../clock.ts";

export const LEASES = "cleanupLeases";

export interface LeaseHolder {
  runId: string;
  /** Unique per attempt: two deliveries of one tick share a runId, never an owner. */
  owner: string;
  acquiredAt: string;
  expiresAt: Timestamp;
}

export type AcquireResult =
  | {
      acquired: true;
      lease: Lease;
      /** The run that held an expired lease before us (it died). */ tookOverFrom?: string;
    }
  | { acquired: false; holder: LeaseHolder };

export class Lease {
  readonly db: Firestore;
  readonly name: string;
  readonly runId: string;
  readonly owner: string;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private expiresMs: number;

  constructor(
    db: Firestore,
    name: string,
    runId: string,
    owner: string,
    clock: Clock,
    ttlMs: number,
    expiresMs: number,
  ) {
    this.db = db;
    this.name = name;
    this.runId = runId;
    this.owner = owner;
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.expiresMs = expiresMs;
  }

  private get ref() {
    return this.db.collection(LEASES).doc(this.name);
  }

  /** Extends the lease when less than half of it is left. Returns false when another run holds it now. */
  async renew(): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (this.expiresMs - now > this.ttlMs / 2) return true;
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.ref);
      const held = snap.data() as LeaseHolder | undefined;
      if (!held || held.owner !== this.owner) return false;
      this.expiresMs = now + this.ttlMs;
      tx.update(this.ref, { expiresAt: Timestamp.fromMillis(this.expiresMs) });
      return true;
    });
  }

  /** Frees the lease if we still hold it (a no-op otherwise). */
  async release(): Promise<void> {
    await this.db.runTransaction(async (tx) => {
      const snap = await tx.get(this.ref);
      const held = snap.data() as LeaseHolder | undefined;
      if (held?.owner === this.owner) tx.delete(this.ref);
    });
  }
}

export async function acquireLease(
  db: Firestore,
  name: string,
  runId: string,
  options: { clock: Clock; ttlMs: number },
): Promise<AcquireResult> {
  const ref = db.collection(LEASES).doc(name);
  const owner = randomUUID();
  return db.runTransaction(async (tx): Promise<AcquireResult> => {
    const now = options.clock.now();
    const snap = await tx.get(ref);
    const held = snap.data() as LeaseHolder | undefined;
    if (held && held.expiresAt.toMillis() > now.getTime()) return { acquired: false, holder: held };
    const expiresMs = now.getTime() + options.ttlMs;
    const next: LeaseHolder = {
      runId,
      owner,
      acquiredAt: now.toISOString(),
      expiresAt: Timestamp.fromMillis(expiresMs),
    };
    tx.set(ref, next);
    const lease = new Lease(db, name, runId, owner, options.clock, options.ttlMs, expiresMs);
    return { acquired: true, lease, ...(held ? { tookOverFrom: held.runId } : {}) };
  });
}
