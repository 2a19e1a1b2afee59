import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entropyBounds, marginBits, probRatioToTop1, topMetrics } from "../../src/core/entropy.js";
import { summarize } from "../../src/core/summary.js";
import { inRankedTop, type TopKRow, topKMass } from "../../src/core/top-k-mass.js";
import { tokenRow } from "../fixtures/rows.js";
import { entropyBits, truncate, truncatedDistribution } from "./random-distribution.js";

describe("entropyBounds", () => {
  it("matches hand-computed bounds: top-2 = [0.5, 0.25], V = 4", () => {
    const { row } = truncate([0.5, 0.25, 0.125, 0.125], 2, 0, "appended");
    const b = entropyBounds(row, { vocabularySize: 4 });
    // H_known = 0.5·1 + 0.25·2 = 1; m = 0.25 ≤ p_k, so lower adds 0.25·log2(4) = 0.5;
    // upper spreads 0.25 over R = 2 tokens: 0.25·log2(2/0.25) = 0.75 (the true distribution).
    expect(b?.missingMass).toBeCloseTo(0.25, 12);
    expect(b?.lowerBits).toBeCloseTo(1.5, 12);
    expect(b?.upperBits).toBeCloseTo(1.75, 12);
    // Renormalized top-2 [2/3, 1/3].
    expect(b?.topKBits).toBeCloseTo(-(2 / 3) * Math.log2(2 / 3) - (1 / 3) * Math.log2(1 / 3), 12);
  });

  it("keeps the unreported tokens below the k-th probability for the lower bound", () => {
    // top-2 = [0.4, 0.2], m = 0.4: at most 0.2 per unreported token, so two tokens at 0.2.
    const { row } = truncate([0.4, 0.2, 0.2, 0.2], 2, 0, "appended");
    const b = entropyBounds(row, { vocabularySize: 4 });
    const hKnown = -0.4 * Math.log2(0.4) - 0.2 * Math.log2(0.2);
    expect(b?.lowerBits).toBeCloseTo(hKnown + 2 * 0.2 * Math.log2(5), 12);
    expect(b?.upperBits).toBeCloseTo(entropyBits([0.4, 0.2, 0.2, 0.2]), 12);
  });

  it("§6 reference: a uniform distribution over V = 50257 has entropy log2 V = 15.617 bits and PPL = V", () => {
    const V = 50_257;
    const p = Array.from({ length: 5 }, () => 1 / V);
    const { row } = truncate([...p, 1 / V], 5, 0, "appended");
    const b = entropyBounds(row, { vocabularySize: V });
    expect(b?.lowerBits).toBeCloseTo(15.617, 3);
    expect(b?.upperBits).toBeCloseTo(Math.log2(V), 9);
    const rows = Array.from({ length: 7 }, (_, i) => tokenRow({ position: i + 1, logprob: -Math.log(V) }));
    expect(summarize(rows).perplexity).toBeCloseTo(V, 6);
  });

  it("counts an actual token appended beyond the top-k as known mass, not as top-k", () => {
    const full = [0.5, 0.3, 0.1, 0.1];
    const appended = entropyBounds(truncate(full, 1, 3, "appended").row, { vocabularySize: 4 });
    const unlisted = entropyBounds(truncate(full, 1, 3, "unlisted").row, { vocabularySize: 4 });
    expect(appended).toEqual(unlisted);
    expect(appended?.missingMass).toBeCloseTo(0.4, 12);
    expect(appended?.topKBits).toBe(0);
  });

  it("is null without alternatives and ignores sentinel (null) alternatives", () => {
    expect(entropyBounds(tokenRow({ alternatives: [] }))).toBeNull();
    const row = tokenRow({
      alternatives: [
        { tokenId: 1, token: "a", logprob: Math.log(0.5), rank: 1 },
        { tokenId: 2, token: "b", logprob: null, rank: 2 },
      ],
      tokenId: 1,
    });
    expect(entropyBounds(row, { vocabularySize: 10 })?.missingMass).toBeCloseTo(0.5, 12);
  });

  it("property: lower ≤ true entropy ≤ upper for random distributions truncated to a top-k", () => {
    fc.assert(
      fc.property(truncatedDistribution, ({ p, row }) => {
        const b = entropyBounds(row, { vocabularySize: p.length });
        const h = entropyBits(p);
        expect(b).not.toBeNull();
        expect(b?.lowerBits).toBeLessThanOrEqual(h + 1e-9);
        expect(b?.upperBits).toBeGreaterThanOrEqual(h - 1e-9);
      }),
      { numRuns: 500 },
    );
  });
});

describe("marginBits and probRatioToTop1", () => {
  const { row } = truncate([0.4, 0.2, 0.1, 0.3], 3, 2, "appended");
  it("margin = (logprob_top1 − logprob_top2) / ln 2", () => {
    expect(marginBits(row)).toBeCloseTo(1, 12);
    expect(marginBits(truncate([0.6, 0.4], 1, 0, "appended").row)).toBeNull();
  });
  it("p / p_top1 (GLTR frac(p)), 1 at rank 1, null when unknown", () => {
    expect(probRatioToTop1(row)).toBeCloseTo(0.25, 12);
    expect(probRatioToTop1(truncate([0.6, 0.4], 1, 0, "appended").row)).toBe(1);
    expect(probRatioToTop1(truncate([0.6, 0.4], 1, 1, "unlisted").row)).toBeCloseTo(0.4 / 0.6, 12);
    expect(probRatioToTop1({ ...row, logprob: null })).toBeNull();
    expect(probRatioToTop1(tokenRow({ rank: 3 }))).toBeNull();
  });
  it("topMetrics gives both from one pass, the same values", () => {
    const rows = [
      row,
      truncate([0.6, 0.4], 1, 0, "appended").row,
      truncate([0.6, 0.4], 1, 1, "unlisted").row,
      { ...row, logprob: null },
      tokenRow({ rank: 3 }),
    ];
    for (const r of rows) expect(topMetrics(r)).toEqual({ margin: marginBits(r), ratio: probRatioToTop1(r) });
  });
});

/** entropyBounds as it was written on top of topKMass (one object per known token), the reference. */
function referenceBounds(row: TopKRow, vocabularySize: number) {
  const mass = topKMass(row, vocabularySize);
  if (!mass) return null;
  const { known, missingMass: m, remainingCount: R, cap: c } = mass;
  const plog2p = (p: number) => (p > 0 ? -p * Math.log2(p) : 0);
  const hKnown = known.reduce((h, k) => h + plog2p(k.p), 0);
  const top = known.filter((k) => !k.outsideTop);
  const topSum = top.reduce((s, k) => s + k.p, 0);
  const topKBits = top.length > 0 && topSum > 0 ? top.reduce((h, k) => h + plog2p(k.p / topSum), 0) : null;
  if (m <= 0) return { topKBits, lowerBits: hKnown, upperBits: hKnown, missingMass: 0 };
  const upperTail = m * Math.log2(R / m);
  const full = Math.floor(m / c);
  const rest = Math.max(0, m - full * c);
  const lowerTail = full + (rest > 0 ? 1 : 0) > R ? upperTail : full * plog2p(c) + plog2p(rest);
  return {
    topKBits,
    lowerBits: hKnown + Math.min(lowerTail, upperTail),
    upperBits: hKnown + upperTail,
    missingMass: m,
  };
}

describe("entropyBounds, marginBits and probRatioToTop1 without per-alternative objects", () => {
  it("give exactly the numbers of the topKMass / sorted-list forms, ties, nulls and censoring included", () => {
    const logprob = fc.oneof(
      fc.constant(null),
      fc.constantFrom(-0.1, -0.7, -2.3),
      fc.double({ min: -30, max: 0, noNaN: true }),
    );
    const alternative = fc.record({
      tokenId: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 6 })),
      token: fc.constantFrom("a", "b", "c"),
      logprob,
      rank: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 30 })),
    });
    const row = fc.record({
      tokenId: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 6 })),
      token: fc.constantFrom("a", "b", "c"),
      logprob,
      rank: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 30 })),
      rankCensored: fc.boolean(),
      topK: fc.integer({ min: 0, max: 6 }),
      alternatives: fc.array(alternative, { maxLength: 30 }),
    });
    fc.assert(
      fc.property(row, fc.constantFrom(3, 50, 128_256), (r, vocabularySize) => {
        expect(entropyBounds(r, { vocabularySize })).toEqual(referenceBounds(r, vocabularySize));
        const top = r.alternatives
          .filter((alt) => alt.logprob !== null && inRankedTop(r, alt))
          .map((alt) => alt.logprob as number)
          .sort((a, b) => b - a);
        expect(marginBits(r)).toBe(
          top.length < 2 ? null : ((top[0] as number) - (top[1] as number)) / Math.LN2,
        );
        const ratio =
          r.logprob === null
            ? null
            : r.rank === 1 && !r.rankCensored
              ? 1
              : top.length === 0
                ? null
                : Math.exp(r.logprob - Math.max(r.logprob, top[0] as number));
        expect(probRatioToTop1(r)).toBe(ratio);
      }),
      { numRuns: 500 },
    );
  });
});
