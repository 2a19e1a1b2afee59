/**
 * Runs `task` over `items` with at most `limit` running at once and returns the settled outcomes
 * in input order: one task's failure never stops or loses the others. Once `signal` aborts, no
 * further task starts (those not started settle as rejected with the abort reason).
 *
 * @example
 * const outcomes = await boundedMap(texts, 8, (text) => lab.score(text));
 * outcomes[0].status // "fulfilled" | "rejected"
 */
export async function boundedMap<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<PromiseSettledResult<R>[]> {
  const outcomes = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      if (signal?.aborted) {
        outcomes[index] = { status: "rejected", reason: signal.reason };
        continue;
      }
      try {
        outcomes[index] = { status: "fulfilled", value: await task(items[index], index) };
      } catch (reason) {
        outcomes[index] = { status: "rejected", reason };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return outcomes;
}

/**
 * The values of settled outcomes, or the first rejection's reason thrown.
 *
 * @example
 * const results = valuesOrThrow(await boundedMap(windows, 4, send));
 */
export function valuesOrThrow<R>(outcomes: readonly PromiseSettledResult<R>[]): R[] {
  return outcomes.map((outcome) => {
    if (outcome.status === "rejected") throw outcome.reason;
    return outcome.value;
  });
}
