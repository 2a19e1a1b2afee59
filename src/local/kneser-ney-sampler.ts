import { UsageError } from "../errors.js";
import type { BigramCandidates, TrigramCandidates } from "./candidate-sets.js";
import type { KneserNeyWeights } from "./kneser-ney-weights.js";

/**
 * Draws the next token from P^(1/T), exactly and without a pass over the vocabulary per call.
 * Outside the bigram children C2 every token has P = γ3·γ2·P1(w), so its tempered weight is a
 * context-free `P1(w)^(1/T)` times one per-context factor. Prefix sums of those weights (one table
 * per temperature, cached for the last one) turn "the non-C2 part" into a binary search that steps
 * around C2's members; C2 itself is walked directly. Cost O(|C2| + log V) per draw, plus ~3 ms the
 * first time a temperature other than 1 is used.
 *
 * @example
 * const draw = createSampler(weights); draw(c2, c3, createRandom(1), 0.7)
 */
export function createSampler(
  weights: KneserNeyWeights,
): (
  c2: BigramCandidates,
  c3: TrigramCandidates | undefined,
  random: () => number,
  temperature: number,
) => number {
  const { vocabSize, unigram, unigramOrder, bigramWords, bigramAlpha, trigramWords, trigramAlpha } = weights;
  const logTopUnigram = Math.log(unigram[unigramOrder[0]]);
  let table: { temperature: number; prefix: Float64Array; weight: Float64Array } | undefined;
  let members = new Float64Array(256);
  let memberPrefix = new Float64Array(257);

  const tableFor = (temperature: number) => {
    if (table?.temperature === temperature) return table;
    const weight = temperature === 1 ? unigram : new Float64Array(vocabSize);
    if (temperature !== 1) {
      for (let w = 0; w < vocabSize; w++)
        weight[w] = Math.exp((Math.log(unigram[w]) - logTopUnigram) / temperature);
    }
    const prefix = new Float64Array(vocabSize + 1);
    for (let w = 0; w < vocabSize; w++) prefix[w + 1] = prefix[w] + weight[w];
    table = { temperature, prefix, weight };
    return table;
  };

  return (c2, c3, random, temperature) => {
    const { lo, hi } = c2;
    const g2 = c2.gamma;
    const g3 = c3 === undefined ? 1 : c3.gamma;
    const { prefix, weight } = tableFor(temperature);
    // The largest probability, as the reference that keeps tempered weights in (0, 1].
    let top = c2.outside.length > 0 ? g3 * (g2 * unigram[c2.outside[0]]) : 0;
    if (c2.order.length > 0) top = Math.max(top, g3 * c2.orderQ[0]);
    if (c3 !== undefined) top = Math.max(top, c3.orderP[0]);
    const logTop = Math.log(top);
    const tempered = (p: number): number =>
      temperature === 1 ? p : Math.exp((Math.log(p) - logTop) / temperature);
    const outsideFactor =
      temperature === 1
        ? g3 * g2
        : Math.exp((Math.log(g3) + Math.log(g2) + logTopUnigram - logTop) / temperature);

    if (members.length < hi - lo) {
      members = new Float64Array(2 * (hi - lo));
      memberPrefix = new Float64Array(2 * (hi - lo) + 1);
    }
    let inside = 0;
    let j3 = c3 === undefined ? 0 : c3.lo;
    const end3 = c3 === undefined ? 0 : c3.hi;
    for (let e = lo; e < hi; e++) {
      const w = bigramWords[e];
      const q = bigramAlpha[e] + g2 * unigram[w];
      while (j3 < end3 && trigramWords[j3] < w) j3++;
      const p = j3 < end3 && trigramWords[j3] === w ? trigramAlpha[j3] + g3 * q : g3 * q;
      members[e - lo] = tempered(p);
      inside += members[e - lo];
      memberPrefix[e - lo + 1] = memberPrefix[e - lo] + weight[w];
    }
    const outsideMass = outsideFactor * Math.max(0, prefix[vocabSize] - memberPrefix[hi - lo]);

    const u = random();
    if (!(u >= 0 && u < 1)) throw new UsageError(`random() must return numbers in [0, 1), got ${String(u)}.`);
    let r = u * (inside + outsideMass);
    if (r < inside || outsideMass === 0) {
      let last = lo;
      for (let e = lo; e < hi; e++) {
        if (members[e - lo] > 0) last = e;
        r -= members[e - lo];
        if (r < 0) return bigramWords[e];
      }
      return bigramWords[last];
    }
    return outsideToken((r - inside) / outsideFactor, prefix, memberPrefix, bigramWords, lo, hi, vocabSize);
  };
}

/**
 * The non-member token where the running sum of `weight` over non-members first exceeds `target`:
 * the smallest x with prefix[x + 1] − (weight of members ≤ x) > target, found by binary search.
 */
function outsideToken(
  target: number,
  prefix: Float64Array,
  memberPrefix: Float64Array,
  words: Uint32Array,
  lo: number,
  hi: number,
  vocabSize: number,
): number {
  let left = 0;
  let right = vocabSize - 1;
  while (left < right) {
    const x = (left + right) >>> 1;
    if (prefix[x + 1] - memberPrefix[membersUpTo(words, lo, hi, x)] > target) right = x;
    else left = x + 1;
  }
  // Rounding can land on a member (whose weight was subtracted); step to a neighbouring non-member.
  const isMember = (x: number): boolean =>
    membersUpTo(words, lo, hi, x) !== membersUpTo(words, lo, hi, x - 1);
  for (let x = left; x < vocabSize; x++) if (!isMember(x)) return x;
  for (let x = left - 1; x >= 0; x--) if (!isMember(x)) return x;
  return left;
}

/** How many of the sorted `words[lo..hi)` are ≤ x. */
function membersUpTo(words: Uint32Array, lo: number, hi: number, x: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (words[mid] <= x) a = mid + 1;
    else b = mid;
  }
  return a - lo;
}
