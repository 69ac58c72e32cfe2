/**
 * One study transaction at a time per study within one function instance.
 * A burst of trial completions lands on one instance (it serves up to 40
 * requests at once), and Firestore transactions on one contended document
 * abort and back off (≈ 0.5 s each on the emulator, seconds in the SDK's
 * retry backoff); queueing them in-process turns that into a short line.
 * Correctness never depends on this: across instances the transaction and
 * the store's budget guard decide (study-store.ts), and the tests run two
 * "instances" (two store objects) against one database.
 */
const queues = new WeakMap<object, Map<string, Promise<void>>>();

/** Runs `fn` after every earlier call for (owner, key) has settled. */
export function serialized<T>(owner: object, key: string, fn: () => Promise<T>): Promise<T> {
  let lines = queues.get(owner);
  if (!lines) queues.set(owner, (lines = new Map()));
  const run = (lines.get(key) ?? Promise.resolve()).then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  lines.set(key, tail);
  void tail.then(() => {
    if (lines.get(key) === tail) lines.delete(key);
  });
  return run;
}
