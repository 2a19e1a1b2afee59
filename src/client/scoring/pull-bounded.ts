/**
 * Runs `task` over the items of a sync or async iterable with at most `limit` running at once,
 * pulling the next item only when a task slot is free, so a source that is never held in memory
 * (a generator over a file) stays that way: at most `limit` items are in flight. Resolves with how
 * many items were started once every started task has settled. A task's rejection stops the pulling
 * and is rethrown after the others settle (tasks that must not stop the run catch their own
 * errors), as is an error of the source itself. Once `signal` aborts, nothing more is pulled. An
 * early stop closes the source (`return()`), so a generator's `finally` runs.
 *
 * @example
 * const count = await pullBounded(readLines("corpus.txt"), 8, async (text, index) => {
 *   await out.write({ index, summary: (await lab.score(text)).summary });
 * });
 */
export async function pullBounded<T>(
  source: Iterable<T> | AsyncIterable<T>,
  limit: number,
  task: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  let started = 0;
  let finished = false;
  let failure: { error: unknown } | undefined;
  // Pulls are serialized: a hand-written async iterator need not support overlapping next() calls.
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<T> | undefined> => {
    const next = pulling.then(async () => {
      if (finished || failure || signal?.aborted) return undefined;
      const result = await iterator.next();
      if (result.done) finished = true;
      return result.done ? undefined : result;
    });
    pulling = next.catch(() => {});
    return next;
  };
  const worker = async () => {
    for (;;) {
      let item: IteratorResult<T> | undefined;
      try {
        item = await pull();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (item === undefined) return;
      const index = started++;
      try {
        await task(item.value, index);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (!finished) await Promise.resolve(iterator.return?.()).catch(() => {});
  if (failure) throw failure.error;
  return started;
}
