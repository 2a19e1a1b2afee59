import { DEFAULT_VOCABULARY_SIZE, inRankedTop, type TopKRow, topKMass } from "./top-k-mass.js";

/** What a top-k report says about the entropy of the full next-token distribution, in bits. */
export interface EntropyBounds {
  /** Entropy of the reported top-k renormalized to sum to 1 (GLTR's "top-k entropy"); not a bound. Null when only the actual token (outside the top) is known. */
  topKBits: number | null;
  /** No distribution consistent with the report has lower entropy. */
  lowerBits: number;
  /** No distribution consistent with the report (and vocabulary size V) has higher entropy. */
  upperBits: number;
  /** m = 1 − Σ p over the tokens with a known probability. */
  missingMass: number;
}

export interface EntropyOptions {
  /** Vocabulary size V (default 128,256, Llama 3); only the upper bound depends on it. */
  vocabularySize?: number;
}

function plog2p(p: number): number {
  return p > 0 ? -p * Math.log2(p) : 0;
}

/**
 * Bounds on the entropy H = −Σ p log2 p of the full next-token distribution from the reported
 * top-k. The known tokens (the top-k, plus the actual token when its logprob is known) contribute
 * H_known = −Σ p_i log2 p_i exactly; the missing mass m = 1 − Σ p_i is spread over the R = V − n
 * other tokens in an unknown way, except that none of them can exceed c = min(p_k, m), the
 * smallest top-k probability (they rank below the k-th).
 *
 * - lower = H_known + (⌊m/c⌋ · c · log2(1/c) + r · log2(1/r)), r = m − ⌊m/c⌋ · c: the missing mass
 *   as concentrated as the top-k allows (entropy is Schur-concave, so this extreme is the minimum).
 *   When m ≤ p_k this is exactly "all missing mass in one token", m · log2(1/m).
 * - upper = H_known + m · log2(R/m): the missing mass spread uniformly over the R tokens (the maximum).
 *
 * So lower ≤ H ≤ upper for every distribution that could have produced this report. The band is
 * wide when m is large: that width is what a top-k cannot say. Null without any reported probability.
 *
 * @example
 * entropyBounds(row) // { topKBits: 1.2, lowerBits: 1.5, upperBits: 3.9, missingMass: 0.12 }
 */
export function entropyBounds(row: TopKRow, options: EntropyOptions = {}): EntropyBounds | null {
  const mass = topKMass(row, options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE);
  if (!mass) return null;
  const { known, missingMass: m, remainingCount: R, cap: c } = mass;
  const hKnown = known.reduce((h, k) => h + plog2p(k.p), 0);
  const top = known.filter((k) => !k.outsideTop);
  const topSum = top.reduce((s, k) => s + k.p, 0);
  const topKBits = top.length > 0 && topSum > 0 ? top.reduce((h, k) => h + plog2p(k.p / topSum), 0) : null;
  if (m <= 0) return { topKBits, lowerBits: hKnown, upperBits: hKnown, missingMass: 0 };
  const upperTail = m * Math.log2(R / m);
  let lowerTail: number;
  const full = Math.floor(m / c);
  const rest = Math.max(0, m - full * c);
  if (full + (rest > 0 ? 1 : 0) > R) {
    // The report claims more missing mass than R tokens capped at c can hold (rounding, or V too
    // small): the uniform spread is then the only consistent reading.
    lowerTail = upperTail;
  } else {
    lowerTail = full * plog2p(c) + plog2p(rest);
  }
  return {
    topKBits,
    lowerBits: hKnown + Math.min(lowerTail, upperTail),
    upperBits: hKnown + upperTail,
    missingMass: m,
  };
}

/** The ranked top alternatives with a known logprob, most likely first (the actual token appended beyond the top is left out). */
function rankedTop(row: TopKRow): number[] {
  return row.alternatives
    .filter((alt) => alt.logprob !== null && inRankedTop(row, alt))
    .map((alt) => alt.logprob as number)
    .sort((a, b) => b - a);
}

/**
 * How decisively the model preferred its top choice: (logprob_top1 − logprob_top2) / ln 2, in bits
 * (1 bit = top-1 twice as likely as top-2). Null with fewer than two ranked alternatives.
 *
 * @example
 * marginBits(row) // 1 when p_top1 = 0.5 and p_top2 = 0.25
 */
export function marginBits(row: TopKRow): number | null {
  const top = rankedTop(row);
  if (top.length < 2) return null;
  return ((top[0] as number) - (top[1] as number)) / Math.LN2;
}

/**
 * GLTR's frac(p): the actual token's probability over the top-1's, in [0, 1] (1 = the model's top
 * choice). Null when the actual logprob or the top-1 is unknown.
 *
 * @example
 * probRatioToTop1(row) // 0.25 when p = 0.1 and p_top1 = 0.4
 */
export function probRatioToTop1(row: TopKRow): number | null {
  if (row.logprob === null) return null;
  if (row.rank === 1 && !row.rankCensored) return 1;
  const top = rankedTop(row);
  if (top.length === 0) return null;
  // A top-1 below the actual token would be inconsistent data; the actual token is then the top.
  return Math.exp(row.logprob - Math.max(row.logprob, top[0] as number));
}
