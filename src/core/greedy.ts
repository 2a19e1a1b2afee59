import type { TokenLogprob } from "./token-logprob.js";

type GreedyRow = Pick<TokenLogprob, "logprob" | "rank" | "rankCensored" | "alternatives">;

/**
 * Whether greedy decoding would have picked this row's token: its rank is 1 (ties with the top
 * count, as lm-eval's `tok == max(top)` does), or — with no rank reported — its logprob is at least
 * the top alternative's. A censored rank (outside the reported top-k, k ≥ 1) or an unknown logprob
 * is not greedy; a row with neither rank nor alternatives cannot tell and counts as not greedy.
 *
 * @example
 * isGreedyToken({ logprob: -0.1, rank: 1, rankCensored: false, alternatives: [] }) // true
 */
export function isGreedyToken(row: GreedyRow): boolean {
  if (row.logprob === null) return false;
  if (row.rank !== null) return row.rank === 1;
  if (row.rankCensored) return false;
  const top = row.alternatives[0];
  return top !== undefined && top.logprob !== null && row.logprob >= top.logprob;
}

/**
 * lm-eval's `is_greedy`: every row is the model's top-1 (see `isGreedyToken`). False for no rows.
 *
 * @example
 * isGreedyRun(continuationRows) // true when greedy decoding reproduces the continuation
 */
export function isGreedyRun(rows: readonly GreedyRow[]): boolean {
  return rows.length > 0 && rows.every(isGreedyToken);
}
