/**
 * The build store: builds/{key}-{attempt}. One record per build attempt of a
 * key, created first-writer-wins: of any number of concurrent requests for a
 * key, exactly one creates attempt n and starts it, and the rest find it and
 * join (no transaction, so no contention retries however many ask at once).
 * A new attempt is made only after the last one FAILED, and only when the
 * caller asks for a retry. States: QUEUED → BUILDING → SUCCEEDED | FAILED,
 * never backwards (state-record.ts). The builder holds a claim with an
 * expiry while it builds, so a builder that died is taken over, not waited on.
 */
import { KineticError, truncateText } from "../errors.ts";
import type { DocDb, StoreStats } from "./docs.ts";
import { transitionRecord, type StateRecord, type Transition } from "./state-record.ts";
import { RetainedStore, type RetainedStoreOptions } from "./retained-store.ts";

export const BUILDS = "builds";
/** Build messages that can never be handled (not JSON, not a build message), kept for operators and acked. */
export const BUILD_POISON = "buildPoison";

export const BUILD_STATES = ["QUEUED", "BUILDING", "SUCCEEDED", "FAILED"] as const;
export type BuildState = (typeof BUILD_STATES)[number];
const RANK: Record<BuildState, number> = { QUEUED: 0, BUILDING: 1, SUCCEEDED: 2, FAILED: 2 };
export function isTerminalBuildState(s: BuildState): boolean {
  return s === "SUCCEEDED" || s === "FAILED";
}
export const BUILD_MACHINE = {
  canTransition: (from: BuildState, to: BuildState) => !isTerminalBuildState(from) && RANK[to] >= RANK[from],
  isTerminal: isTerminalBuildState,
};

/** The newest build log lines kept on the record (the whole log lives with the backend). */
export const LOG_TAIL_LINES = 50;

export interface BuildDoc extends StateRecord<BuildState> {
  key: string;
  attempt: number;
  createdAt: string;
  /** The validated request, kept so any instance can (re)run the build. */
  request: Record<string, unknown>;
  /** registry/path:key */
  image: string;
  /** The base image pinned by digest. */
  baseImage: string;
  accelerator: string;
  recipe: string;
  /** Set on success. */
  digest?: string;
  /** PEP 503 name → version the build installed. */
  resolvedPackages?: Record<string, string>;
  logTail?: string[];
  startedAt?: string;
  durationMs?: number;
  /** The backend's id for the build (a Cloud Build id). */
  externalId?: string;
  /** Who builds now, and until when the claim holds without renewal. */
  claimOwner?: string;
  claimUntil?: string;
}

export type NewBuild = Pick<BuildDoc, "key" | "request" | "image" | "baseImage" | "accelerator" | "recipe">;

export type BuildTransition = Transition<BuildState, BuildDoc>;

export interface BuildStore {
  readonly stats: StoreStats;
  /**
   * The key's current attempt, creating attempt 1 if there is none, or the
   * next one if the last FAILED and `retryFailed` is set. `created` is true for
   * exactly one of any number of concurrent callers.
   */
  open(input: NewBuild, options?: { retryFailed?: boolean }): Promise<{ created: boolean; build: BuildDoc }>;
  get(id: string): Promise<BuildDoc | undefined>;
  /** The newest attempt for a key. */
  latest(key: string): Promise<BuildDoc | undefined>;
  /**
   * Takes the right to run the build: from QUEUED, or from BUILDING whose
   * claim lapsed (its builder died). Undefined when someone else holds it or
   * the build is finished. The holder calling it again renews its claim.
   */
  claim(id: string, options: { owner: string; holdMs: number }): Promise<BuildDoc | undefined>;
  /** Gives a claim back (a transient failure), so the next delivery can run the build at once. */
  release(id: string, owner: string): Promise<void>;
  transition(id: string, input: BuildTransition): Promise<{ applied: boolean; build: BuildDoc }>;
  /** Replaces the log tail while the build runs (progress). */
  setLogTail(id: string, lines: string[]): Promise<void>;
  /** Newest first. */
  list(options?: { limit?: number }): Promise<BuildDoc[]>;
  /** Records a message that can never be handled (once per message id; expires with the retention). */
  recordPoison(messageId: string, reason: string, text: string): Promise<void>;
}

export function buildId(key: string, attempt: number): string {
  return `${key}-${attempt}`;
}

/** The last lines of a log, each bounded, so a record always fits its document. */
export function tailOf(lines: readonly string[], n = LOG_TAIL_LINES): string[] {
  return lines.slice(-n).map((l) => truncateText(l, 1024));
}

export class DocBuildStore extends RetainedStore implements BuildStore {
  constructor(db: DocDb, options: RetainedStoreOptions = {}) {
    super(db, options);
  }

  async open(input: NewBuild, options: { retryFailed?: boolean } = {}) {
    let attempt = 1;
    const last = await this.latest(input.key);
    if (last) {
      if (last.state !== "FAILED" || !options.retryFailed) return { created: false, build: last };
      attempt = last.attempt + 1;
    }
    // Of concurrent openers of the same attempt, one creates it; the others join the one that did.
    const at = this.clock.now().toISOString();
    const doc: BuildDoc = {
      ...input,
      id: buildId(input.key, attempt),
      attempt,
      state: "QUEUED",
      reason: "Requested",
      createdAt: at,
      updatedAt: at,
      events: [{ at, state: "QUEUED", reason: "Requested" }],
    };
    if (await this.db.create(BUILDS, doc.id, { ...doc })) return { created: true, build: doc };
    const other = await this.get(doc.id);
    if (!other) throw new KineticError("unavailable", `build ${doc.id} vanished during create`);
    return { created: false, build: other };
  }

  async get(id: string): Promise<BuildDoc | undefined> {
    const snap = await this.db.get(BUILDS, id);
    return snap ? ({ events: [], ...snap.data } as unknown as BuildDoc) : undefined;
  }

  async latest(key: string): Promise<BuildDoc | undefined> {
    // Attempts are numbered from 1 without gaps. Pages of 1, 2, 4… ids: a new key costs one read, a key
    // with one attempt (the usual join) two.
    let newest: BuildDoc | undefined;
    for (let from = 1, size = 1; ; from += size, size = Math.min(size * 2, 16)) {
      const ids = Array.from({ length: size }, (_, i) => buildId(key, from + i));
      const snaps = await this.db.getAll(BUILDS, ids);
      for (const s of snaps) {
        const b = { events: [], ...s.data } as unknown as BuildDoc;
        if (!newest || b.attempt > newest.attempt) newest = b;
      }
      if (snaps.length < ids.length) return newest;
    }
  }

  claim(id: string, options: { owner: string; holdMs: number }): Promise<BuildDoc | undefined> {
    return this.db.transaction(async (tx) => {
      const snap = await tx.get(BUILDS, id);
      if (!snap) throw new KineticError("not-found", `build ${id} not found`);
      const b = { events: [], ...snap.data } as unknown as BuildDoc;
      const now = this.clock.now();
      const until = new Date(now.getTime() + options.holdMs).toISOString();
      // The holder claiming again renews its claim: no event, no change of reason.
      if (b.state === "BUILDING" && b.claimOwner === options.owner) {
        tx.update(BUILDS, id, { claimUntil: until });
        return { ...b, claimUntil: until };
      }
      const lapsed = !b.claimUntil || Date.parse(b.claimUntil) <= now.getTime();
      if (b.state === "QUEUED" || (b.state === "BUILDING" && lapsed)) {
        const at = now.toISOString();
        const takeover = b.state === "BUILDING";
        const next: BuildDoc = {
          ...b,
          state: "BUILDING",
          reason: takeover ? "TakenOver" : "Started",
          updatedAt: at,
          startedAt: b.startedAt ?? at,
          claimOwner: options.owner,
          claimUntil: until,
          events: [...b.events, { at, state: "BUILDING" as const, reason: takeover ? "TakenOver" : "Started" }].slice(
            -50,
          ),
        };
        tx.set(BUILDS, id, { ...next });
        return next;
      }
      return undefined;
    });
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const b = (await tx.get(BUILDS, id))?.data as Partial<BuildDoc> | undefined;
      if (b?.claimOwner === owner && b.state === "BUILDING") tx.update(BUILDS, id, {}, ["claimOwner", "claimUntil"]);
    });
  }

  async transition(id: string, input: BuildTransition) {
    const r = await transitionRecord(this.db, BUILDS, id, input, {
      machine: BUILD_MACHINE,
      clock: this.clock,
      retentionMs: this.retentionMs,
      noun: "build",
    });
    return { applied: r.applied, build: r.record };
  }

  async setLogTail(id: string, lines: string[]): Promise<void> {
    await this.db.update(BUILDS, id, { logTail: tailOf(lines) });
  }

  async recordPoison(messageId: string, reason: string, text: string): Promise<void> {
    const at = this.clock.now();
    await this.db.create(BUILD_POISON, messageId.replace(/\//g, "_"), {
      messageId,
      reason: truncateText(reason, 2048),
      text: truncateText(text, 8192),
      at: at.toISOString(),
      expireAt: new Date(at.getTime() + this.retentionMs),
    });
  }

  async list(options: { limit?: number } = {}): Promise<BuildDoc[]> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const snaps = await this.db.query(BUILDS, { orderBy: [{ field: "createdAt", dir: "desc" }], limit });
    return snaps.map((s) => ({ events: [], ...s.data }) as unknown as BuildDoc);
  }
}
