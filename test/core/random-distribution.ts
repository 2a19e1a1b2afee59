import fc from "fast-check";
import type { Alternative, TokenLogprob } from "../../src/core/token-logprob.js";
import { tokenRow } from "../fixtures/rows.js";

/** A full next-token distribution over V tokens, truncated to a reported top-k, with an actual token. */
export interface Truncated {
  /** The full distribution, most likely first (token i has id i). */
  p: number[];
  k: number;
  /** Index (id) of the actual token. */
  actual: number;
  /** How the dialect reports an actual token outside the top-k. */
  style: "appended" | "appendedRanked" | "unlisted";
  row: TokenLogprob;
}

/** Builds the canonical row a dialect would give for this truncation. */
export function truncate(p: number[], k: number, actual: number, style: Truncated["style"]): Truncated {
  const alt = (i: number, rank: number | null): Alternative => ({
    tokenId: i,
    token: `t${i}`,
    logprob: Math.log(p[i] as number),
    rank,
  });
  const alternatives = p.slice(0, k).map((_, i) => alt(i, i + 1));
  const inTop = actual < k;
  // vLLM appends the actual token beyond the top-k, with its rank when the server gives one.
  const ranked = style === "appendedRanked";
  if (!inTop && style !== "unlisted") alternatives.push(alt(actual, ranked ? actual + 1 : null));
  const row = tokenRow({
    position: 1,
    tokenId: actual,
    token: `t${actual}`,
    logprob: Math.log(p[actual] as number),
    rank: inTop || ranked ? actual + 1 : null,
    rankCensored: !inTop && !ranked,
    rankBound: inTop || ranked ? null : k,
    topK: k,
    alternatives,
  });
  return { p, k, actual, style, row };
}

/** Random full distributions (no zero probabilities) over 2..60 tokens, truncated at a random k. */
export const truncatedDistribution: fc.Arbitrary<Truncated> = fc
  .array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 60 })
  .chain((weights) =>
    fc.record({
      weights: fc.constant(weights),
      k: fc.integer({ min: 1, max: weights.length }),
      actual: fc.integer({ min: 0, max: weights.length - 1 }),
      style: fc.constantFrom("appended" as const, "appendedRanked" as const, "unlisted" as const),
    }),
  )
  .map(({ weights, k, actual, style }) => {
    const total = weights.reduce((s, w) => s + w, 0);
    const p = weights.map((w) => w / total).sort((a, b) => b - a);
    return truncate(p, k, actual, style);
  });

/** Shannon entropy in bits. */
export function entropyBits(p: readonly number[]): number {
  return p.reduce((h, x) => (x > 0 ? h - x * Math.log2(x) : h), 0);
}
