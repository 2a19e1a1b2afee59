import type { KneserNeyWeights } from "./kneser-ney-weights.js";

/**
 * What one bigram history v contributes to every query that ends in v, computed once and cached:
 * its children C2 with Q(w) = α2(w | v) + γ2(v)·P1(w), ranked and sorted, plus the most probable
 * tokens outside C2. Outside C2, Q is γ2·P1, so the unigram order ranks those tokens. Built lazily
 * because sorting every history at load would cost ~0.5 s.
 *
 * @example
 * const c2 = bigramCandidates(weights, 279); c2.order[0] // most likely token after " the"
 */
export interface BigramCandidates {
  /** Children range in the bigram level (empty for an unseen history). */
  readonly lo: number;
  readonly hi: number;
  /** γ2(v); 1 for an unseen history. */
  readonly gamma: number;
  /** Q of the children, ascending, and their P1, ascending (rank counting by binary search). */
  readonly qAscending: Float64Array;
  readonly unigramAscending: Float64Array;
  /** Children by (Q desc, id asc) and their Q: a head, or all of them once `complete`. */
  order: Uint32Array;
  orderQ: Float64Array;
  complete: boolean;
  /** The first tokens in unigram order that are not children, and where that walk stopped. */
  readonly outside: Uint32Array;
  readonly outsideResume: number;
}

/**
 * The kept trigram children C3 of one history (u, v) with P = α3 + γ3·Q, ranked and sorted.
 *
 * @example
 * const c3 = trigramCandidates(weights, bigramId, c2); c3.orderP[0] // highest trigram-level probability
 */
export interface TrigramCandidates {
  /** The history's bigram id. */
  readonly history: number;
  /** Children range in the trigram level. */
  readonly lo: number;
  readonly hi: number;
  /** γ3(u v). */
  readonly gamma: number;
  readonly pAscending: Float64Array;
  readonly qAscending: Float64Array;
  /** Children by (P desc, id asc) and their P: a head, or all of them once `complete`. */
  order: Uint32Array;
  orderP: Float64Array;
  complete: boolean;
}

/** How many candidates are ranked up front; more are ranked on demand (k > ~40 is rare). */
const HEAD = 48;
/** How many outside tokens are collected up front. */
const OUTSIDE = 40;

/**
 * Candidates of bigram history `v` (-1 for none: the unigram distribution alone).
 *
 * @example
 * bigramCandidates(weights, -1).outside === weights.unigramOrder // true
 */
export function bigramCandidates(weights: KneserNeyWeights, v: number): BigramCandidates {
  const lo = v < 0 ? 0 : weights.bigramStart[v];
  const hi = v < 0 ? 0 : weights.bigramStart[v + 1];
  if (hi === lo) {
    const none = new Float64Array(0);
    return {
      lo,
      hi,
      gamma: 1,
      qAscending: none,
      unigramAscending: none,
      order: new Uint32Array(0),
      orderQ: none,
      complete: true,
      outside: weights.unigramOrder,
      outsideResume: weights.vocabSize,
    };
  }
  const { bigramWords, bigramAlpha, unigram } = weights;
  const gamma = weights.bigramGamma[v];
  const q = new Float64Array(hi - lo);
  const p1 = new Float64Array(hi - lo);
  for (let e = lo; e < hi; e++) {
    const w = bigramWords[e];
    p1[e - lo] = unigram[w];
    q[e - lo] = bigramAlpha[e] + gamma * unigram[w];
  }
  const qAscending = q.slice().sort();
  const head = rankHead(bigramWords.subarray(lo, hi), q, qAscending, HEAD);
  const outside = new Uint32Array(OUTSIDE);
  let found = 0;
  let at = 0;
  const order = weights.unigramOrder;
  for (; at < order.length && found < OUTSIDE; at++) {
    if (indexIn(bigramWords, lo, hi, order[at]) < 0) outside[found++] = order[at];
  }
  return {
    lo,
    hi,
    gamma,
    qAscending,
    unigramAscending: p1.sort(),
    order: head.order,
    orderQ: head.values,
    complete: head.order.length === hi - lo,
    outside: outside.subarray(0, found),
    outsideResume: at,
  };
}

/**
 * Candidates of the trigram history with bigram id `b`, or undefined when it has no kept children.
 *
 * @example
 * trigramCandidates(weights, b, bigramCandidates(weights, v))?.order
 */
export function trigramCandidates(
  weights: KneserNeyWeights,
  b: number,
  c2: BigramCandidates,
): TrigramCandidates | undefined {
  const lo = weights.trigramStart[b];
  const hi = weights.trigramStart[b + 1];
  if (hi === lo) return undefined;
  const p = trigramProbabilities(weights, b, c2);
  const q = new Float64Array(hi - lo);
  const { trigramWords, bigramWords, bigramAlpha, unigram } = weights;
  for (let e = lo; e < hi; e++) {
    const w = trigramWords[e];
    const e2 = indexIn(bigramWords, c2.lo, c2.hi, w);
    q[e - lo] = (e2 >= 0 ? bigramAlpha[e2] : 0) + c2.gamma * unigram[w];
  }
  const pAscending = p.slice().sort();
  const head = rankHead(trigramWords.subarray(lo, hi), p, pAscending, HEAD);
  return {
    history: b,
    lo,
    hi,
    gamma: weights.trigramGamma[b],
    pAscending,
    qAscending: q.sort(),
    order: head.order,
    orderP: head.values,
    complete: head.order.length === hi - lo,
  };
}

/** Ranks every child of `c2` (called when a query needs more than the head). @example completeBigram(weights, c2) */
export function completeBigram(weights: KneserNeyWeights, c2: BigramCandidates): void {
  const { lo, hi } = c2;
  const q = new Float64Array(hi - lo);
  for (let e = lo; e < hi; e++) {
    q[e - lo] = weights.bigramAlpha[e] + c2.gamma * weights.unigram[weights.bigramWords[e]];
  }
  const all = rankHead(weights.bigramWords.subarray(lo, hi), q, c2.qAscending, hi - lo);
  c2.order = all.order;
  c2.orderQ = all.values;
  c2.complete = true;
}

/** Ranks every child of `c3`. @example completeTrigram(weights, c2, c3) */
export function completeTrigram(
  weights: KneserNeyWeights,
  c2: BigramCandidates,
  c3: TrigramCandidates,
): void {
  const p = trigramProbabilities(weights, c3.history, c2);
  const all = rankHead(weights.trigramWords.subarray(c3.lo, c3.hi), p, c3.pAscending, c3.hi - c3.lo);
  c3.order = all.order;
  c3.orderP = all.values;
  c3.complete = true;
}

/**
 * Index of `w` among the sorted `words[lo..hi)`, or -1.
 *
 * @example
 * indexIn(Uint32Array.of(2, 5, 9), 0, 3, 5) // 1
 */
export function indexIn(words: Uint32Array, lo: number, hi: number, w: number): number {
  hi -= 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = words[mid];
    if (x < w) lo = mid + 1;
    else if (x > w) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * How many entries of an ascending array satisfy a predicate that is false then true along it
 * (a monotone threshold such as "its logprob exceeds the actual token's").
 *
 * @example
 * countFrom(Float64Array.of(0.1, 0.2, 0.7), (x) => x > 0.15) // 2
 */
export function countFrom(ascending: Float64Array, above: (x: number) => boolean): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (above(ascending[mid])) hi = mid;
    else lo = mid + 1;
  }
  return ascending.length - lo;
}

function trigramProbabilities(weights: KneserNeyWeights, b: number, c2: BigramCandidates): Float64Array {
  const lo = weights.trigramStart[b];
  const hi = weights.trigramStart[b + 1];
  const gamma = weights.trigramGamma[b];
  const { trigramWords, trigramAlpha, bigramWords, bigramAlpha, unigram } = weights;
  const p = new Float64Array(hi - lo);
  for (let e = lo; e < hi; e++) {
    const w = trigramWords[e];
    const e2 = indexIn(bigramWords, c2.lo, c2.hi, w);
    p[e - lo] = trigramAlpha[e] + gamma * ((e2 >= 0 ? bigramAlpha[e2] : 0) + c2.gamma * unigram[w]);
  }
  return p;
}

/**
 * The members whose value is among the `head` largest (all ties at the cut included), by (value
 * desc, id asc). Taking every value >= the cut keeps the head a prefix of the full order.
 */
function rankHead(
  ids: Uint32Array,
  values: Float64Array,
  ascending: Float64Array,
  head: number,
): { order: Uint32Array; values: Float64Array } {
  const cut = head >= ascending.length ? Number.NEGATIVE_INFINITY : ascending[ascending.length - head];
  const picked: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] >= cut) picked.push(i);
  picked.sort((a, b) => values[b] - values[a] || ids[a] - ids[b]);
  const order = new Uint32Array(picked.length);
  const orderValues = new Float64Array(picked.length);
  picked.forEach((i, n) => {
    order[n] = ids[i];
    orderValues[n] = values[i];
  });
  return { order, values: orderValues };
}
