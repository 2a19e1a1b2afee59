/** Statuses worth retrying: timeout, conflict, rate limit, and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * How long to wait before retry number `attempt` (0-based): the server's `retry-after-ms` or
 * `Retry-After` (seconds or an HTTP date) when it sent one, else exponential backoff with jitter.
 *
 * @example
 * retryDelayMs(0, { "retry-after": "2" }) // 2000
 */
export function retryDelayMs(
  attempt: number,
  headers: Record<string, string | string[] | undefined> = {},
  random: () => number = Math.random,
  maxMs = 60_000,
): number {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = Number(header("retry-after-ms"));
  if (header("retry-after-ms") !== undefined && Number.isFinite(ms) && ms >= 0) return Math.min(ms, maxMs);
  const after = header("retry-after");
  if (after !== undefined) {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, maxMs);
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.min(Math.max(0, date - Date.now()), maxMs);
  }
  const base = Math.min(500 * 2 ** attempt, 8000);
  return base * (0.75 + 0.5 * random());
}
