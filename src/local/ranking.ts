import {
  type BigramCandidates,
  completeBigram,
  completeTrigram,
  countFrom,
  indexIn,
  type TrigramCandidates,
} from "./candidate-sets.js";
import type { KneserNeyWeights } from "./kneser-ney-weights.js";
import type { ScoredToken } from "./language-model.js";

// Every token falls in exactly one of three groups, each already sorted by probability:
//   A = C3, the kept trigram children            P = α3 + γ3·Q
//   B = C2 \ C3, the other bigram children       P = γ3·Q          (C3 ⊆ C2 always)
//   C = everything else                          P = γ3·(γ2·P1)
// Within B and C, P is a monotone function of one cached sorted quantity (Q, P1), so the top-k is a
// three-way merge and the number of tokens above a threshold is a few binary searches: O(k + log V)
// per query instead of touching all 128,256 tokens.

/**
 * The k most probable next tokens, by (logprob desc, id asc).
 *
 * @example
 * topCandidates(weights, c2, c3, 20)[0] // { id, logprob } of the most likely token
 */
export function topCandidates(
  weights: KneserNeyWeights,
  c2: BigramCandidates,
  c3: TrigramCandidates | undefined,
  k: number,
): ScoredToken[] {
  const top: ScoredToken[] = [];
  if (k <= 0) return top;
  const g3 = c3 === undefined ? 1 : c3.gamma;
  const g2 = c2.gamma;
  const { unigram, unigramOrder, bigramWords, trigramWords } = weights;
  let ia = 0;
  let ib = 0;
  let ic = 0;
  let resume = c2.outsideResume;
  let idA = -1;
  let idB = -1;
  let idC = -1;
  let lpA = 0;
  let lpB = 0;
  let lpC = 0;

  const loadA = (): void => {
    idA = -1;
    if (c3 === undefined) return;
    if (ia >= c3.order.length && !c3.complete) completeTrigram(weights, c2, c3);
    if (ia < c3.order.length) {
      idA = c3.order[ia];
      lpA = Math.log(c3.orderP[ia]);
    }
  };
  const loadB = (): void => {
    idB = -1;
    for (;;) {
      if (ib >= c2.order.length && !c2.complete) completeBigram(weights, c2);
      if (ib >= c2.order.length) return;
      const w = c2.order[ib];
      if (c3 === undefined || indexIn(trigramWords, c3.lo, c3.hi, w) < 0) {
        idB = w;
        lpB = Math.log(g3 * c2.orderQ[ib]);
        return;
      }
      ib++;
    }
  };
  const loadC = (): void => {
    idC = -1;
    if (ic < c2.outside.length) {
      idC = c2.outside[ic];
    } else {
      while (resume < unigramOrder.length) {
        const w = unigramOrder[resume++];
        if (indexIn(bigramWords, c2.lo, c2.hi, w) < 0) {
          idC = w;
          break;
        }
      }
    }
    if (idC >= 0) lpC = Math.log(g3 * (g2 * unigram[idC]));
  };

  loadA();
  loadB();
  loadC();
  while (top.length < k) {
    if (idA >= 0 && before(idA, lpA, idB, lpB) && before(idA, lpA, idC, lpC)) {
      top.push({ id: idA, logprob: lpA });
      ia++;
      loadA();
    } else if (idB >= 0 && before(idB, lpB, idC, lpC)) {
      top.push({ id: idB, logprob: lpB });
      ib++;
      loadB();
    } else if (idC >= 0) {
      top.push({ id: idC, logprob: lpC });
      ic++;
      loadC();
    } else {
      break;
    }
  }
  return top;
}

/**
 * How many tokens have a logprob strictly greater than `logprob`, so that rank = 1 + this
 * (tokens with equal logprobs share a rank, as vLLM reports them).
 *
 * @example
 * 1 + countAbove(weights, c2, c3, Math.log(p)) // exact rank of a token with probability p
 */
export function countAbove(
  weights: KneserNeyWeights,
  c2: BigramCandidates,
  c3: TrigramCandidates | undefined,
  logprob: number,
): number {
  const g3 = c3 === undefined ? 1 : c3.gamma;
  const g2 = c2.gamma;
  const aboveQ = (q: number): boolean => Math.log(g3 * q) > logprob;
  const aboveP1 = (p1: number): boolean => Math.log(g3 * (g2 * p1)) > logprob;
  let count = countFrom(c2.qAscending, aboveQ);
  count += countFrom(weights.unigramAscending, aboveP1) - countFrom(c2.unigramAscending, aboveP1);
  if (c3 !== undefined) {
    count += countFrom(c3.pAscending, (p) => Math.log(p) > logprob) - countFrom(c3.qAscending, aboveQ);
  }
  return count;
}

/** True when (idX, lpX) comes before (idY, lpY): higher logprob, then lower id; idY < 0 means none. */
function before(idX: number, lpX: number, idY: number, lpY: number): boolean {
  return idY < 0 || lpX > lpY || (lpX === lpY && idX < idY);
}
