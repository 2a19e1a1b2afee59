import { discountFor, type KneserNeyTables } from "./kneser-ney-tables.js";

/**
 * The tables turned into interpolation weights, computed once at load. With history (u, v):
 *
 *   P(w | u v) = α3(w | u v) + γ3(u v) · Q(w),   Q(w) = α2(w | v) + γ2(v) · P1(w),
 *   P1(w) = α1(w) + γ1 / V
 *
 * α is non-zero only on observed children, γ = 1 for a history without children. Everything that
 * computes a probability evaluates exactly this expression in this order, so sparse and dense
 * computations give bit-identical numbers.
 *
 * @example
 * const w = computeWeights(tables); w.unigram[791] // P1 of "The"
 */
export interface KneserNeyWeights {
  readonly vocabSize: number;
  /** P1 of every token. */
  readonly unigram: Float64Array;
  /** Token ids by (P1 descending, id ascending). */
  readonly unigramOrder: Uint32Array;
  /** P1 sorted ascending (for counting tokens above a threshold by binary search). */
  readonly unigramAscending: Float64Array;
  readonly bigramStart: Uint32Array;
  readonly bigramWords: Uint32Array;
  /** α2 per bigram id. */
  readonly bigramAlpha: Float64Array;
  /** γ2 per token (1 when the token has no children). */
  readonly bigramGamma: Float64Array;
  readonly trigramStart: Uint32Array;
  readonly trigramWords: Uint32Array;
  /** α3 per kept trigram. */
  readonly trigramAlpha: Float64Array;
  /** γ3 per bigram id (1 when it has no kept children). */
  readonly trigramGamma: Float64Array;
}

/**
 * Derives the interpolation weights from the counts.
 *
 * @example
 * const weights = computeWeights(buildKneserNey(docs).tables);
 */
export function computeWeights(tables: KneserNeyTables): KneserNeyWeights {
  const { vocabSize, unigramCounts, bigramStart, bigramWords, bigramCounts, discounts } = tables;
  const { trigramStart, trigramWords, trigramCounts, trigramPruned } = tables;
  const unigram = unigramProbabilities(unigramCounts, discounts[0]);
  const unigramAscending = unigram.slice().sort();

  const bigramAlpha = new Float64Array(bigramWords.length);
  const bigramGamma = new Float64Array(vocabSize).fill(1);
  for (let v = 0; v < vocabSize; v++) {
    const lo = bigramStart[v];
    const hi = bigramStart[v + 1];
    if (hi > lo) bigramGamma[v] = level(bigramCounts, lo, hi, 0, discounts[1], bigramAlpha);
  }
  const trigramAlpha = new Float64Array(trigramWords.length);
  const trigramGamma = new Float64Array(bigramWords.length).fill(1);
  for (let b = 0; b < bigramWords.length; b++) {
    const lo = trigramStart[b];
    const hi = trigramStart[b + 1];
    if (hi > lo) trigramGamma[b] = level(trigramCounts, lo, hi, trigramPruned[b], discounts[2], trigramAlpha);
  }
  return {
    vocabSize,
    unigram,
    unigramOrder: orderByProbability(unigram, unigramCounts),
    unigramAscending,
    bigramStart,
    bigramWords,
    bigramAlpha,
    bigramGamma,
    trigramStart,
    trigramWords,
    trigramAlpha,
    trigramGamma,
  };
}

/**
 * Fills α for children lo..hi of one history and returns its γ. `pruned` singletons count in the
 * total and give their whole count (not just D1) to γ, so Σα + γ = 1 still holds exactly.
 */
function level(
  counts: Uint32Array,
  lo: number,
  hi: number,
  pruned: number,
  d: readonly [number, number, number],
  alpha: Float64Array,
): number {
  let total = pruned;
  let held = pruned;
  for (let e = lo; e < hi; e++) {
    total += counts[e];
    held += discountFor(d, counts[e]);
  }
  for (let e = lo; e < hi; e++) alpha[e] = (counts[e] - discountFor(d, counts[e])) / total;
  return held / total;
}

function unigramProbabilities(counts: Uint32Array, d: readonly [number, number, number]): Float64Array {
  const vocabSize = counts.length;
  let total = 0;
  let held = 0;
  for (let w = 0; w < vocabSize; w++) {
    total += counts[w];
    held += discountFor(d, counts[w]);
  }
  // An empty corpus leaves only the uniform floor.
  const floor = total > 0 ? held / total / vocabSize : 1 / vocabSize;
  const unigram = new Float64Array(vocabSize);
  for (let w = 0; w < vocabSize; w++) {
    const alpha = counts[w] > 0 ? (counts[w] - discountFor(d, counts[w])) / total : 0;
    unigram[w] = alpha + floor;
  }
  return unigram;
}

// Every unseen token sits exactly at the floor and every seen one strictly above it (discounts are
// below the count), so only the seen ones need a comparison sort; the floor follows in id order.
function orderByProbability(unigram: Float64Array, counts: Uint32Array): Uint32Array {
  const seen: number[] = [];
  const unseen: number[] = [];
  for (let w = 0; w < counts.length; w++) (counts[w] > 0 ? seen : unseen).push(w);
  seen.sort((a, b) => unigram[b] - unigram[a] || a - b);
  const order = new Uint32Array(counts.length);
  order.set(seen);
  order.set(unseen, seen.length);
  return order;
}
