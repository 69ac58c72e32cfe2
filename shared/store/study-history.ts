/**
 * Where a study's searcher history is stored: not on the study document
 * (Firestore caps a document at 1 MiB, and a trial with ten parameters takes
 * about 400 B of history) but in chunks of HISTORY_CHUNK trials,
 * studyHistory/{namespace}:{id}:{chunk}, read with the study and rewritten
 * only where they changed (a result changes one chunk, a reservation the
 * last one or two). The study document keeps `historyChunks`.
 */
import type { SearchTrial } from "../tuning/search/search.ts";
import type { Snapshot } from "./docs.ts";

/** What of a study this module needs (study-store.ts's StudyDoc has it; no import back, no cycle). */
interface Keyed {
  namespace: string;
  id: string;
}
interface WithHistory {
  history: SearchTrial[];
  expireAt?: Date;
}

export const STUDY_HISTORY = "studyHistory";
/** Trials per chunk: 200 × even 4 KB of parameters each stays below a document's 1 MiB. */
export const HISTORY_CHUNK = 200;

/** The study document as stored: no history (it is in chunks), their count instead. */
export type Stored<T extends WithHistory> = Omit<T, "history"> & { historyChunks?: number; history?: SearchTrial[] };

export const chunkCount = (trials: number): number => Math.ceil(trials / HISTORY_CHUNK);
export const historyKey = (k: Keyed, chunk: number): string => `${k.namespace}:${k.id}:${chunk}`;
export const chunkIds = (key: Keyed, n: number): string[] => Array.from({ length: n }, (_, c) => historyKey(key, c));

/** The domain's record: the stored study with its chunks' trials in index order. */
export function withHistory<T extends WithHistory>(stored: Stored<T>, chunks: Array<Snapshot | undefined>): T {
  const { historyChunks, history, ...rest } = stored;
  // A record written before chunking has its history inline.
  const trials =
    historyChunks === undefined
      ? (history ?? [])
      : chunks.flatMap((c) => (c?.data.trials as SearchTrial[] | undefined) ?? []);
  return { ...rest, history: trials } as unknown as T;
}

/**
 * The chunks to write after `before` → `after`: those that changed, or all of
 * them when the study just ended (so they carry its expireAt and expire with
 * it) or when the record still had its history inline (`rewriteAll`).
 */
export function changedChunks(
  before: WithHistory,
  after: WithHistory & Keyed,
  rewriteAll: boolean,
): Array<{ id: string; trials: SearchTrial[] }> {
  const all = rewriteAll || (after.expireAt !== undefined && before.expireAt === undefined);
  const out = [];
  for (let c = 0; c < chunkCount(after.history.length); c++) {
    const trials = after.history.slice(c * HISTORY_CHUNK, (c + 1) * HISTORY_CHUNK);
    const was = before.history.slice(c * HISTORY_CHUNK, (c + 1) * HISTORY_CHUNK);
    if (all || JSON.stringify(trials) !== JSON.stringify(was)) out.push({ id: historyKey(after, c), trials });
  }
  return out;
}
