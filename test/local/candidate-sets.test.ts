import { describe, expect, it } from "vitest";
import { bigramCandidates, countFrom, indexIn, trigramCandidates } from "../../src/local/candidate-sets.js";
import { computeWeights } from "../../src/local/kneser-ney-weights.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";
import { tinyTables } from "./tiny-corpus.js";

const weights = computeWeights(tinyTables());
const tokenizer = loadTokenizer();

describe("candidate sets", () => {
  it("find ids in sorted ranges and count above a threshold", () => {
    const words = Uint32Array.of(2, 5, 9, 12);
    expect([2, 5, 9, 12, 0, 6, 13].map((w) => indexIn(words, 0, 4, w))).toEqual([0, 1, 2, 3, -1, -1, -1]);
    expect(indexIn(words, 1, 3, 2)).toBe(-1);
    const ascending = Float64Array.of(0.1, 0.2, 0.2, 0.7);
    expect(countFrom(ascending, (x) => x > 0.2)).toBe(1);
    expect(countFrom(ascending, (x) => x >= 0.2)).toBe(3);
    expect(countFrom(ascending, () => false)).toBe(0);
  });

  it("rank a history's children by Q and list the best tokens outside them", () => {
    const v = tokenizer.encode(" the")[0];
    const c2 = bigramCandidates(weights, v);
    expect(c2.hi).toBeGreaterThan(c2.lo);
    for (let i = 1; i < c2.order.length; i++) {
      expect(
        c2.orderQ[i - 1] > c2.orderQ[i] ||
          (c2.orderQ[i - 1] === c2.orderQ[i] && c2.order[i - 1] < c2.order[i]),
      ).toBe(true);
    }
    const children = new Set(weights.bigramWords.subarray(c2.lo, c2.hi));
    expect(c2.outside.every((w) => !children.has(w))).toBe(true);
    expect(c2.outside[0]).toBe(Array.from(weights.unigramOrder).find((w) => !children.has(w)));
  });

  it("use the unigram order when there is no history, and nothing at the trigram level without children", () => {
    const none = bigramCandidates(weights, -1);
    expect(none.outside).toBe(weights.unigramOrder);
    expect(none.gamma).toBe(1);
    const childless = Array.from(weights.trigramStart.keys()).find(
      (b) => weights.trigramStart[b + 1] === weights.trigramStart[b],
    )!;
    expect(trigramCandidates(weights, childless, none)).toBeUndefined();
  });
});
