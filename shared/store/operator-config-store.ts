/**
 * The operator config as one document (`operatorConfig/current`) and its
 * audit trail (`operatorConfigChanges/{revision}`). A write is one
 * transaction that checks the revision it was based on, writes the new
 * config and its change record together: a stale write is refused (never
 * lost), and no change goes unrecorded. Written once over the document port,
 * so Firestore and memory behave alike (test/contract).
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { KineticError } from "../errors.ts";
import {
  resolveOperatorConfig,
  validateOperatorConfig,
  type OperatorConfig,
  type OperatorConfigInput,
} from "../operator-config/schema.ts";
import type { DocDb } from "./docs.ts";

export const OPERATOR_CONFIG = "operatorConfig";
export const OPERATOR_CONFIG_CHANGES = "operatorConfigChanges";
const DOC_ID = "current";

/** The config as stored and as in effect. */
export interface OperatorConfigState {
  /** Every field, defaults filled in. */
  config: OperatorConfig;
  /** Only what operators set. */
  set: OperatorConfigInput;
  /** 0 before the first change; +1 per change. A write names the revision it was based on. */
  revision: number;
  updatedAt?: Date;
  updatedBy?: string;
}

/** One recorded change: who, when, the config before and after (as set, sparse). */
export interface OperatorConfigChange {
  revision: number;
  at: Date;
  by: string;
  old: OperatorConfigInput;
  new: OperatorConfigInput;
  /** Dotted paths whose effective value changed. */
  changed: string[];
  reason?: string;
}

export interface WriteOptions {
  /** Principal making the change (recorded). */
  by: string;
  /** The revision the new config was based on; a different current revision refuses the write. */
  ifRevision: number;
  reason?: string;
}

/** The read side: what crons and handlers need. */
export interface OperatorConfigSource {
  /**
   * The effective config. Read fresh by default (crons: a change is seen by the next run);
   * `maxAgeMs` lets a hot path reuse a read at most that old.
   */
  current(options?: { maxAgeMs?: number }): Promise<OperatorConfig>;
}

export interface OperatorConfigStore extends OperatorConfigSource {
  read(): Promise<OperatorConfigState>;
  /**
   * Replaces the whole (sparse) config. Invalid → `invalid-argument` with per-field issues, nothing
   * written; stale `ifRevision` → `failed-precondition`, nothing written.
   */
  write(input: unknown, options: WriteOptions): Promise<{ state: OperatorConfigState; change?: OperatorConfigChange }>;
  /** Changes, newest first; `before` = a revision, for the next page. */
  history(options?: { limit?: number; before?: number }): Promise<OperatorConfigChange[]>;
}

interface StoredConfig {
  set: OperatorConfigInput;
  revision: number;
  updatedAt: Date;
  updatedBy: string;
}

export class DocOperatorConfigStore implements OperatorConfigStore {
  private readonly db: DocDb;
  private readonly clock: Clock;
  private cached?: { at: number; state: OperatorConfigState };

  constructor(db: DocDb, options: { clock?: Clock } = {}) {
    this.db = db;
    this.clock = options.clock ?? systemClock;
  }

  async current(options: { maxAgeMs?: number } = {}): Promise<OperatorConfig> {
    const hit = this.cached;
    const maxAge = options.maxAgeMs ?? 0;
    if (hit && maxAge > 0 && this.clock.now().getTime() - hit.at <= maxAge) return hit.state.config;
    return (await this.read()).config;
  }

  async read(): Promise<OperatorConfigState> {
    const snap = await this.db.get(OPERATOR_CONFIG, DOC_ID);
    const state = toState(snap?.data as StoredConfig | undefined);
    this.cached = { at: this.clock.now().getTime(), state };
    return state;
  }

  async write(
    input: unknown,
    options: WriteOptions,
  ): Promise<{ state: OperatorConfigState; change?: OperatorConfigChange }> {
    const valid = validateOperatorConfig(input);
    if (!valid.ok) {
      throw new KineticError(
        "invalid-argument",
        `invalid operator config: ${valid.issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
        { issues: valid.issues },
      );
    }
    const next = stripUndefined(valid.input) as OperatorConfigInput;
    const result = await this.db.transaction(async (tx) => {
      const stored = (await tx.get(OPERATOR_CONFIG, DOC_ID))?.data as StoredConfig | undefined;
      const before = toState(stored);
      if (before.revision !== options.ifRevision) {
        throw new KineticError(
          "failed-precondition",
          `the operator config is at revision ${before.revision}, not ${options.ifRevision}: it changed since it was read; read it again and reapply`,
          { issues: [{ field: "revision", message: `stale: current revision is ${before.revision}` }] },
        );
      }
      const changed = diffPaths(before.config, valid.config);
      if (changed.length === 0 && sameJson(before.set, next)) return { state: before };
      const at = this.clock.now();
      const revision = before.revision + 1;
      const doc: StoredConfig = { set: next, revision, updatedAt: at, updatedBy: options.by };
      const change: OperatorConfigChange = {
        revision,
        at,
        by: options.by,
        old: before.set,
        new: next,
        changed,
        ...(options.reason ? { reason: options.reason } : {}),
      };
      tx.set(OPERATOR_CONFIG, DOC_ID, { ...doc });
      tx.set(OPERATOR_CONFIG_CHANGES, revisionId(revision), { ...change });
      return { state: toState(doc), change };
    });
    this.cached = { at: this.clock.now().getTime(), state: result.state };
    return result;
  }

  async history(options: { limit?: number; before?: number } = {}): Promise<OperatorConfigChange[]> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 500);
    const snaps = await this.db.query(OPERATOR_CONFIG_CHANGES, {
      ...(options.before !== undefined ? { where: [{ field: "revision", op: "<", value: options.before }] } : {}),
      orderBy: [{ field: "revision", dir: "desc" }],
      limit,
    });
    return snaps.map((s) => s.data as unknown as OperatorConfigChange);
  }
}

function toState(stored: StoredConfig | undefined): OperatorConfigState {
  if (!stored) return { config: resolveOperatorConfig({}), set: {}, revision: 0 };
  return {
    config: resolveOperatorConfig(stored.set),
    set: stored.set,
    revision: stored.revision,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
  };
}

/** Zero-padded so ids sort like revisions. */
function revisionId(revision: number): string {
  return String(revision).padStart(12, "0");
}

/** Dotted paths of leaves (arrays count as leaves) that differ. */
export function diffPaths(a: unknown, b: unknown, prefix = ""): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return sameJson(a, b) ? [] : [prefix];
}

/** Equal as JSON, whatever the key order. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object" && v !== null && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** Firestore refuses undefined anywhere in a document. */
function stripUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUndefined);
  if (typeof v === "object" && v !== null && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, stripUndefined(x)]),
    );
  }
  return v;
}
