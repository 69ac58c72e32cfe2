/** Bounded concurrency for fan-outs over the cluster and the store. */

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error once all settle. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
