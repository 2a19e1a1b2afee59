import type { TokenLogprob } from "./token-logprob.js";

/**
 * Llama 3's vocabulary size: the default V for bounds that need the number of unreported tokens.
 *
 * @example
 * entropyBounds(row, { vocabularySize: DEFAULT_VOCABULARY_SIZE })
 */
export const DEFAULT_VOCABULARY_SIZE = 128_256;

/**
 * Missing mass below this is float noise, not a tail: exp(logprob) of a complete distribution sums
 * to 1 ± 1e-15, and servers round logprobs far more coarsely (float32, ~1e-7). Treating noise as a
 * tail would matter at high T, where a flat tail of any size over 128k tokens grows large.
 *
 * @example
 * topKMass(row)?.missingMass // 0 when 1 − Σ p < MISSING_MASS_EPSILON
 */
export const MISSING_MASS_EPSILON = 1e-9;

/** The fields of a row that say what is known of its next-token distribution. */
export type TopKRow = Pick<
  TokenLogprob,
  "tokenId" | "token" | "logprob" | "rank" | "rankCensored" | "topK" | "alternatives"
>;

/** One token whose probability is known at a position. */
export interface KnownToken {
  tokenId: number | null;
  token: string;
  /** Probability (exp of the reported logprob). */
  p: number;
  /** True for the actual token listed or known beyond the ranked top-k (see `inRankedTop`). */
  outsideTop: boolean;
  isActual: boolean;
}

/** What a top-k report pins down about one position's distribution over the vocabulary. */
export interface TopKMass {
  /** Tokens with a known probability, most likely first: the reported alternatives (nulls dropped), plus the actual token when its logprob is known but it is not listed. */
  known: KnownToken[];
  /** 1 − Σ known p in [0, 1]; 0 below `MISSING_MASS_EPSILON` (servers round; a sum a hair above 1 means nothing is missing). */
  missingMass: number;
  /** How many vocabulary tokens share the missing mass: V − known.length, at least 1 when mass is missing. */
  remainingCount: number;
  /**
   * The most any single unreported token can weigh: the smallest probability among the ranked top
   * (every token outside a top-k is at most as likely as its k-th), capped by the missing mass.
   */
  cap: number;
}

/**
 * Whether an alternative is the actual token: by id when the alternative has one, else by text
 * (the same rule as the alternatives table's `is_actual`).
 *
 * @example
 * isActualAlternative(row, row.alternatives[0]) // true when the model's top choice was the token
 */
export function isActualAlternative(
  row: Pick<TokenLogprob, "tokenId" | "token">,
  alt: TokenLogprob["alternatives"][number],
): boolean {
  return alt.tokenId !== null ? alt.tokenId === row.tokenId : alt.token === row.token;
}

/**
 * Whether an alternative belongs to the ranked top-k (so every unlisted token is at most as likely
 * as it) rather than being the actual token listed beyond it: vLLM appends the actual token with
 * its rank (> k) or none, and vLLM chat may list a sampled token first in place of the k-th.
 *
 * @example
 * inRankedTop(row, row.alternatives[0]) // true
 */
export function inRankedTop(row: TopKRow, alt: TokenLogprob["alternatives"][number]): boolean {
  const k = row.topK > 0 ? row.topK : Number.POSITIVE_INFINITY;
  if (alt.rank !== null && alt.rank > k) return false;
  if (!isActualAlternative(row, alt)) return true;
  return row.rank !== null && !row.rankCensored && row.rank <= k;
}

/**
 * Splits one position's distribution into what the report pins down (known tokens) and what it
 * does not (the missing mass over the other V − n tokens, each at most `cap`). Null when the
 * position reported no alternative with a known probability: a top-k says nothing there.
 *
 * @example
 * topKMass(row)?.missingMass // 0.12
 */
export function topKMass(row: TopKRow, vocabularySize = DEFAULT_VOCABULARY_SIZE): TopKMass | null {
  const known: KnownToken[] = [];
  let actualListed = false;
  for (const alt of row.alternatives) {
    const isActual = isActualAlternative(row, alt);
    if (isActual) actualListed = true;
    if (alt.logprob === null) continue;
    known.push({
      tokenId: alt.tokenId,
      token: alt.token,
      p: Math.exp(alt.logprob),
      outsideTop: !inRankedTop(row, alt),
      isActual,
    });
  }
  if (known.length === 0) return null;
  if (!actualListed && row.logprob !== null) {
    known.push({
      tokenId: row.tokenId,
      token: row.token,
      p: Math.exp(row.logprob),
      outsideTop: true,
      isActual: true,
    });
  }
  known.sort((a, b) => b.p - a.p);
  const sum = known.reduce((s, k) => s + k.p, 0);
  const raw = Math.min(1, 1 - sum);
  const missingMass = raw < MISSING_MASS_EPSILON ? 0 : raw;
  const top = known.filter((k) => !k.outsideTop);
  const smallestTop = top.length > 0 ? Math.min(...top.map((k) => k.p)) : Number.POSITIVE_INFINITY;
  const remainingCount = Math.max(vocabularySize - known.length, missingMass > 0 ? 1 : 0);
  return { known, missingMass, remainingCount, cap: Math.min(smallestTop, missingMass) };
}
