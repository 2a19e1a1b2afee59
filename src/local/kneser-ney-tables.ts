/**
 * The counts of an interpolated modified Kneser-Ney trigram model, as a trie in CSR form with one
 * sorted level per order. A bigram's id is its index in the bigram level; trigram histories are
 * addressed by that id, so lookups are binary searches in small sorted ranges and no hash maps exist.
 *
 * @example
 * const { bigramStart, bigramWords } = tables; // children of token v: bigramWords[bigramStart[v] .. bigramStart[v + 1])
 */
export interface KneserNeyTables {
  readonly vocabSize: number;
  readonly bos: number;
  readonly eos: number;
  /** `discounts[k - 1]` = [D1, D2, D3+] of order k = 1..3, from that order's count-of-counts. */
  readonly discounts: readonly Discounts[];
  /** Continuation count N1+(• w) of every token; length `vocabSize`. */
  readonly unigramCounts: Uint32Array;
  /** Length `vocabSize + 1`: the children of token v are `bigramStart[v] .. bigramStart[v + 1]`. */
  readonly bigramStart: Uint32Array;
  /** Second token of every bigram, ascending within each history. */
  readonly bigramWords: Uint32Array;
  /** Adjusted counts: continuation counts N1+(• v w), raw counts when v is BOS (nothing precedes it). */
  readonly bigramCounts: Uint32Array;
  /** Length `bigramWords.length + 1`: kept trigram children of every bigram id. */
  readonly trigramStart: Uint32Array;
  /** Third token of every kept trigram, ascending within each history. */
  readonly trigramWords: Uint32Array;
  /** Raw counts of the kept trigrams. */
  readonly trigramCounts: Uint32Array;
  /**
   * Per bigram id, how many singleton trigrams were pruned after it. Their mass moves to the back-off
   * weight, which keeps the model exactly normalized; 0 for histories without kept children.
   */
  readonly trigramPruned: Uint32Array;
}

/** [D1, D2, D3+]: the discount for adjusted counts 1, 2 and 3 or more. @example const [d1, d2, d3] = tables.discounts[2]! */
export type Discounts = readonly [number, number, number];

const FALLBACK: Discounts = [0.5, 1, 1.5];

/**
 * Chen & Goodman's modified-KN discounts from count-of-counts n1..n4. A tiny corpus can lack some
 * count (n2 = 0, …), which would give NaN or a discount outside (0, r); each such value falls back
 * to a fixed r/2 so that every discount stays valid and every kept count keeps some mass.
 *
 * @example
 * discountsFromCountOfCounts([1000, 400, 200, 120]) // [0.5555…, 1.1666…, 1.4444…]
 */
export function discountsFromCountOfCounts(n: readonly [number, number, number, number]): Discounts {
  const [n1, n2, n3, n4] = n;
  const y = n1 / (n1 + 2 * n2);
  const raw = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
  const pick = (r: number): number => {
    const d = raw[r - 1];
    return Number.isFinite(d) && d > 0 && d < r ? d : FALLBACK[r - 1];
  };
  return [pick(1), pick(2), pick(3)];
}

/**
 * Count-of-counts n1..n4 of the positive values in `counts` (the input of the discount formula).
 *
 * @example
 * countOfCounts(Uint32Array.of(1, 1, 2, 5)) // [2, 1, 0, 0]
 */
export function countOfCounts(counts: ArrayLike<number>): [number, number, number, number] {
  const n: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c >= 1 && c <= 4) n[c - 1]++;
  }
  return n;
}

/**
 * The discount applied to an adjusted count.
 *
 * @example
 * discountFor([0.5, 1, 1.5], 7) // 1.5
 */
export function discountFor(d: Discounts, count: number): number {
  return count >= 3 ? d[2] : count === 2 ? d[1] : count === 1 ? d[0] : 0;
}
