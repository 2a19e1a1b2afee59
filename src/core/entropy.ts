import type { TokenLogprob } from "./token-logprob.js";
import {
  DEFAULT_VOCABULARY_SIZE,
  inRankedTop,
  isActualAlternative,
  MISSING_MASS_EPSILON,
  type TopKRow,
} from "./top-k-mass.js";

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
  // The same numbers as `topKMass` (known probabilities, most likely first), read into scratch
  // arrays instead of one object per alternative: this runs for every row of every tokens table.
  const count = knownProbabilities(row);
  if (count === 0) return null;
  let sum = 0;
  let hKnown = 0;
  let topSum = 0;
  let topCount = 0;
  let smallestTop = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const p = scratchP[i] as number;
    sum += p;
    hKnown += plog2p(p);
    if (scratchOutside[i] === 0) {
      topSum += p;
      topCount++;
      if (p < smallestTop) smallestTop = p;
    }
  }
  const raw = Math.min(1, 1 - sum);
  const m = raw < MISSING_MASS_EPSILON ? 0 : raw;
  const vocabularySize = options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE;
  const R = Math.max(vocabularySize - count, m > 0 ? 1 : 0);
  const c = Math.min(smallestTop, m);
  let topKBits: number | null = null;
  if (topCount > 0 && topSum > 0) {
    topKBits = 0;
    for (let i = 0; i < count; i++) {
      if (scratchOutside[i] === 0) topKBits += plog2p((scratchP[i] as number) / topSum);
    }
  }
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

let scratchP = new Float64Array(64);
let scratchOutside = new Uint8Array(64);

/**
 * Fills the scratch arrays with `topKMass(row).known` — p and outsideTop of each alternative with a
 * known logprob, plus the actual token when it is known but not listed — most likely first (ties
 * in listed order, as topKMass's stable sort); returns how many.
 */
function knownProbabilities(row: TopKRow): number {
  const alternatives = row.alternatives;
  if (alternatives.length + 1 > scratchP.length) {
    scratchP = new Float64Array(2 * (alternatives.length + 1));
    scratchOutside = new Uint8Array(2 * (alternatives.length + 1));
  }
  let count = 0;
  let actualListed = false;
  for (let i = 0; i < alternatives.length; i++) {
    const alt = alternatives[i] as TokenLogprob["alternatives"][number];
    if (isActualAlternative(row, alt)) actualListed = true;
    if (alt.logprob === null) continue;
    count = insertKnown(count, Math.exp(alt.logprob), inRankedTop(row, alt) ? 0 : 1);
  }
  if (count > 0 && !actualListed && row.logprob !== null)
    count = insertKnown(count, Math.exp(row.logprob), 1);
  return count;
}

function insertKnown(count: number, p: number, outside: number): number {
  let j = count;
  while (j > 0 && (scratchP[j - 1] as number) < p) {
    scratchP[j] = scratchP[j - 1] as number;
    scratchOutside[j] = scratchOutside[j - 1] as number;
    j--;
  }
  scratchP[j] = p;
  scratchOutside[j] = outside;
  return count + 1;
}

/** The two largest logprobs of the ranked top alternatives (the actual token appended beyond the top is left out). */
function topTwo(row: TopKRow): { count: number; first: number; second: number } {
  let count = 0;
  let first = Number.NEGATIVE_INFINITY;
  let second = Number.NEGATIVE_INFINITY;
  for (const alt of row.alternatives) {
    if (alt.logprob === null || !inRankedTop(row, alt)) continue;
    count++;
    if (alt.logprob > first) {
      second = first;
      first = alt.logprob;
    } else if (alt.logprob > second) {
      second = alt.logprob;
    }
  }
  return { count, first, second };
}

/**
 * How decisively the model preferred its top choice: (logprob_top1 − logprob_top2) / ln 2, in bits
 * (1 bit = top-1 twice as likely as top-2). Null with fewer than two ranked alternatives.
 *
 * @example
 * marginBits(row) // 1 when p_top1 = 0.5 and p_top2 = 0.25
 */
export function marginBits(row: TopKRow): number | null {
  return marginOf(topTwo(row));
}

function marginOf(top: { count: number; first: number; second: number }): number | null {
  return top.count < 2 ? null : (top.first - top.second) / Math.LN2;
}

/**
 * GLTR's frac(p): the actual token's probability over the top-1's, in [0, 1] (1 = the model's top
 * choice). Null when the actual logprob or the top-1 is unknown.
 *
 * @example
 * probRatioToTop1(row) // 0.25 when p = 0.1 and p_top1 = 0.4
 */
export function probRatioToTop1(row: TopKRow): number | null {
  return ratioOf(row, topTwo(row));
}

function ratioOf(row: TopKRow, top: { count: number; first: number }): number | null {
  if (row.logprob === null) return null;
  if (row.rank === 1 && !row.rankCensored) return 1;
  if (top.count === 0) return null;
  // A top-1 below the actual token would be inconsistent data; the actual token is then the top.
  return Math.exp(row.logprob - Math.max(row.logprob, top.first));
}

/**
 * `marginBits` and `probRatioToTop1` of one row from a single pass over its alternatives (the
 * tokens table computes both for every position).
 *
 * @example
 * const { margin, ratio } = topMetrics(row);
 */
export function topMetrics(row: TopKRow): { margin: number | null; ratio: number | null } {
  const top = topTwo(row);
  return { margin: marginOf(top), ratio: ratioOf(row, top) };
}
