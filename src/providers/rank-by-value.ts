import type { Alternative } from "../core/token-logprob.js";

/** The rank columns of a canonical row. */
export interface RankFields {
  rank: number | null;
  rankCensored: boolean;
  rankBound: number | null;
  topK: number;
}

/**
 * Orders a reported top-k set most likely first and ranks each entry by its value: 1 + how many
 * entries are strictly more likely (ties share a rank). For a true top-k set that is the rank over
 * the whole vocabulary. Entries with an unknown logprob get no rank and go last.
 *
 * @example
 * rankByValue([{ tokenId: 2, token: "b", logprob: -2, rank: null }, { tokenId: 1, token: "a", logprob: -1, rank: null }])
 * // [{ tokenId: 1, …, rank: 1 }, { tokenId: 2, …, rank: 2 }]
 */
export function rankByValue(alternatives: readonly Alternative[]): Alternative[] {
  // Stable: ties keep the server's order.
  const ranked = alternatives
    .map((a) => ({ ...a, rank: null as number | null }))
    .sort((a, b) => (b.logprob ?? -Infinity) - (a.logprob ?? -Infinity));
  // Sorted, the rank is the place of the first entry with the same value: O(n log n), not a count
  // per entry (a llama.cpp n_probs of 100,000 would otherwise take minutes).
  let rank = 0;
  let previous: number | null = null;
  ranked.forEach((a, i) => {
    if (a.logprob === null) return;
    if (a.logprob !== previous) {
      rank = i + 1;
      previous = a.logprob;
    }
    a.rank = rank;
  });
  return ranked;
}

/**
 * Rank columns for the actual token given the (ranked) alternatives and the entry among them that
 * is the actual token, if any. No alternatives: rank unknown (not censored, top_k 0). Outside the
 * reported set: censored, rank > the set's size — never a made-up number.
 *
 * @example
 * actualRankFields(alternatives, undefined) // { rank: null, rankCensored: true, rankBound: 5, topK: 5 }
 */
export function actualRankFields(
  alternatives: readonly Alternative[],
  actual: Alternative | undefined,
): RankFields {
  if (alternatives.length === 0) return { rank: null, rankCensored: false, rankBound: null, topK: 0 };
  if (actual) return { rank: actual.rank, rankCensored: false, rankBound: null, topK: alternatives.length };
  return { rank: null, rankCensored: true, rankBound: alternatives.length, topK: alternatives.length };
}
