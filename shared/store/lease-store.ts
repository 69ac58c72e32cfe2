/**
 * Leases, so only one run of a cron acts at a time (overlap policy SKIP):
 * taking one is a transaction that succeeds only when the lease is free or
 * expired, and every renewal checks the holder is still us. A run that dies
 * keeps the lease until it expires; the next run then takes over and learns
 * whose run it took over from.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { DocDb } from "./docs.ts";

export const LEASES = "leases";

export interface LeaseHolder {
  runId: string;
  /** Unique per attempt: two deliveries of one tick share a runId, never an owner. */
  owner: string;
  acquiredAt: string;
  expiresAt: Date;
}

export type AcquireResult =
  | {
      acquired: true;
      lease: Lease;
      /** The run that held an expired lease before us (it died). */
      tookOverFrom?: string;
    }
  | { acquired: false; holder: LeaseHolder };

/** A held lease. */
export interface Lease {
  readonly name: string;
  readonly runId: string;
  readonly owner: string;
  /** Extends the lease when less than half of it is left. Returns false when another run holds it now. */
  renew(): Promise<boolean>;
  /** Frees the lease if we still hold it (a no-op otherwise). */
  release(): Promise<void>;
}

export interface LeaseStore {
  acquire(name: string, runId: string, options: { ttlMs: number }): Promise<AcquireResult>;
}

export class DocLeaseStore implements LeaseStore {
  private readonly db: DocDb;
  private readonly clock: Clock;

  constructor(db: DocDb, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  acquire(name: string, runId: string, options: { ttlMs: number }): Promise<AcquireResult> {
    const owner = randomUUID();
    return this.db.transaction(async (tx): Promise<AcquireResult> => {
      const now = this.clock.now();
      const held = (await tx.get(LEASES, name))?.data as LeaseHolder | undefined;
      if (held && held.expiresAt.getTime() > now.getTime()) return { acquired: false, holder: held };
      const expiresMs = now.getTime() + options.ttlMs;
      const next: LeaseHolder = { runId, owner, acquiredAt: now.toISOString(), expiresAt: new Date(expiresMs) };
      tx.set(LEASES, name, { ...next });
      const lease = new HeldLease(this.db, this.clock, { name, runId, owner, ttlMs: options.ttlMs, expiresMs });
      return { acquired: true, lease, ...(held ? { tookOverFrom: held.runId } : {}) };
    });
  }
}

class HeldLease implements Lease {
  readonly name: string;
  readonly runId: string;
  readonly owner: string;
  private readonly db: DocDb;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private expiresMs: number;

  constructor(
    db: DocDb,
    clock: Clock,
    held: { name: string; runId: string; owner: string; ttlMs: number; expiresMs: number },
  ) {
    this.db = db;
    this.clock = clock;
    this.name = held.name;
    this.runId = held.runId;
    this.owner = held.owner;
    this.ttlMs = held.ttlMs;
    this.expiresMs = held.expiresMs;
  }

  async renew(): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (this.expiresMs - now > this.ttlMs / 2) return true;
    return this.db.transaction(async (tx) => {
      const held = (await tx.get(LEASES, this.name))?.data as LeaseHolder | undefined;
      if (!held || held.owner !== this.owner) return false;
      this.expiresMs = now + this.ttlMs;
      tx.update(LEASES, this.name, { expiresAt: new Date(this.expiresMs) });
      return true;
    });
  }

  async release(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const held = (await tx.get(LEASES, this.name))?.data as LeaseHolder | undefined;
      if (held?.owner === this.owner) tx.delete(LEASES, this.name);
    });
  }
}
