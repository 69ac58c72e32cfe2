/**
 * Records with a state machine (jobs today; builds, studies and trials
 * next): states never move backwards, terminal states absorb, every change
 * of state appends an event with its reason. One transactional helper applies
 * a transition on any document store, so each domain only declares its
 * machine.
 */
import { KineticError, truncateText } from "../errors.ts";
import type { Clock } from "../clock.ts";
import { defined, type DocDb } from "./docs.ts";

export interface StateMachine<S extends string> {
  /** Same-state moves refresh details (reason, message, patch) and are allowed except from a terminal state. */
  canTransition(from: S, to: S): boolean;
  isTerminal(state: S): boolean;
}

export interface StateEvent<S extends string> {
  at: string;
  state: S;
  reason: string;
  message?: string;
}

/** The fields the helper maintains; a domain record adds its own. */
export interface StateRecord<S extends string> {
  id: string;
  state: S;
  reason?: string;
  message?: string;
  updatedAt: string;
  finishedAt?: string;
  events: Array<StateEvent<S>>;
  /** When the store's retention (and Firestore's TTL policy) removes the finished record. */
  expireAt?: Date;
}

export interface Transition<S extends string, R> {
  /** Apply only from one of these states (e.g. QUEUED → SUBMITTED, so a duplicate creator changes nothing). */
  from?: S[];
  /** Apply only when the record as stored passes this check (e.g. it still names the workload the move was read from). */
  when?: (current: R) => boolean;
  to: S;
  reason: string;
  message?: string;
  /** Other fields to set in the same write. */
  patch?: Partial<Omit<R, "id" | "state" | "events" | "createdAt">>;
}

export interface TransitionResult<R> {
  /** False when the move was refused (backwards, out of a terminal state) or changed nothing. */
  applied: boolean;
  record: R;
}

export interface TransitionOptions<S extends string> {
  machine: StateMachine<S>;
  clock: Clock;
  /** How long a finished record is kept. */
  retentionMs: number;
  /** The newest events kept on the record. */
  maxEvents?: number;
  /** What a record is called in errors ("job"). */
  noun: string;
  /** How errors name this record, when not by its document id (a job: its id, not "<namespace>:<id>"). */
  name?: string;
}

/** The record after `input`, or undefined when the move is refused or would change nothing. Pure. */
export function applyTransition<S extends string, R extends StateRecord<S>>(
  current: R,
  given: Transition<S, R>,
  now: Date,
  options: Omit<TransitionOptions<S>, "clock" | "noun">,
): R | undefined {
  // A message comes from outside (an API server, a scheduler): bounded, so a record always fits its document.
  const input = given.message === undefined ? given : { ...given, message: truncateText(given.message) };
  if (input.from && !input.from.includes(current.state)) return undefined;
  if (input.when && !input.when(current)) return undefined;
  if (!options.machine.canTransition(current.state, input.to)) return undefined;
  const sameState = current.state === input.to;
  const changed =
    !sameState ||
    current.reason !== input.reason ||
    (input.message !== undefined && current.message !== input.message) ||
    (input.patch !== undefined && Object.entries(input.patch).some(([k, v]) => !sameValue(current[k as keyof R], v)));
  if (!changed) return undefined;
  const at = now.toISOString();
  const terminal = options.machine.isTerminal(input.to);
  const next: R = {
    ...current,
    ...input.patch,
    state: input.to,
    reason: input.reason,
    ...(input.message !== undefined ? { message: input.message } : {}),
    updatedAt: at,
    ...(terminal
      ? {
          finishedAt: current.finishedAt ?? (input.patch as { finishedAt?: string } | undefined)?.finishedAt ?? at,
          expireAt: new Date(now.getTime() + options.retentionMs),
        }
      : {}),
  };
  // A detail refresh within one state (e.g. a new pending message) is not a history event.
  if (!sameState) {
    const event: StateEvent<S> = { at, state: input.to, reason: input.reason };
    if (input.message) event.message = input.message;
    next.events = [...current.events, event].slice(-(options.maxEvents ?? 50));
  }
  return next;
}

/** Applies a transition inside a transaction: concurrent movers serialize, and the loser sees the winner's state. */
export async function transitionRecord<S extends string, R extends StateRecord<S>>(
  db: DocDb,
  collection: string,
  id: string,
  input: Transition<S, R>,
  options: TransitionOptions<S>,
): Promise<TransitionResult<R>> {
  return db.transaction(async (tx) => {
    const snap = await tx.get(collection, id);
    if (!snap) throw new KineticError("not-found", `${options.noun} ${options.name ?? id} not found`);
    const current = { events: [], ...snap.data } as unknown as R;
    const next = applyTransition(current, input, options.clock.now(), options);
    if (!next) return { applied: false, record: current };
    tx.set(collection, id, defined(next as unknown as Record<string, unknown>));
    return { applied: true, record: next };
  });
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
