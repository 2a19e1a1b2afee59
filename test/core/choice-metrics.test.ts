import { describe, expect, it } from "vitest";
import { choiceMetrics } from "../../src/core/choice-metrics.js";

describe("choiceMetrics", () => {
  it("computes lm-eval's acc, acc_norm, acc_bytes, acc_mutual_info and the renormalized probabilities", () => {
    const { metrics, winners } = choiceMetrics([
      // " Paris": 1 token, 6 chars, 6 bytes; unconditional −9
      { totalLogprob: -3, tokenCount: 1, charCount: 6, byteCount: 6, unconditionalLogprob: -9 },
      // " Zürich": 3 tokens, 7 chars, 8 bytes; unconditional −6
      { totalLogprob: -4, tokenCount: 3, charCount: 7, byteCount: 8, unconditionalLogprob: -6 },
      // " a long answer": 3 tokens, 14 chars, 14 bytes; unconditional −7
      { totalLogprob: -5, tokenCount: 3, charCount: 14, byteCount: 14, unconditionalLogprob: -7 },
    ]);
    expect(metrics[0]).toMatchObject({
      totalLogprob: -3,
      perToken: -3,
      perChar: -0.5,
      perByte: -0.5,
      mutualInformation: 6,
    });
    expect(metrics[1]).toMatchObject({
      perToken: -4 / 3,
      perChar: -4 / 7,
      perByte: -0.5,
      mutualInformation: 2,
    });
    expect(metrics[2]).toMatchObject({
      perToken: -5 / 3,
      perChar: -5 / 14,
      perByte: -5 / 14,
      mutualInformation: 2,
    });
    // softmax(−3, −4, −5) = e^0, e^−1, e^−2 over their sum
    const z = 1 + Math.exp(-1) + Math.exp(-2);
    expect(metrics[0].probability).toBeCloseTo(1 / z, 15);
    expect(metrics[1].probability).toBeCloseTo(Math.exp(-1) / z, 15);
    expect(metrics[2].probability).toBeCloseTo(Math.exp(-2) / z, 15);
    expect(metrics[0].probability).toBeCloseTo(0.6652409557748219, 15);
    expect(winners).toEqual({ totalLogprob: 0, perToken: 1, perChar: 2, perByte: 2, mutualInformation: 0 });
  });

  it("picks the first choice on a tie, never a NaN, and gives −Infinity no probability", () => {
    const { metrics, winners } = choiceMetrics([
      {
        totalLogprob: Number.NEGATIVE_INFINITY,
        tokenCount: 1,
        charCount: 1,
        byteCount: 1,
        unconditionalLogprob: -1,
      },
      { totalLogprob: -2, tokenCount: 2, charCount: 2, byteCount: 2, unconditionalLogprob: -3 },
      { totalLogprob: -2, tokenCount: 1, charCount: 2, byteCount: 2, unconditionalLogprob: -3 },
    ]);
    expect(metrics.map((m) => m.probability)).toEqual([0, 0.5, 0.5]);
    expect(winners.totalLogprob).toBe(1);
    expect(winners.perByte).toBe(1);
    expect(winners.perToken).toBe(1);
    const none = choiceMetrics([
      { totalLogprob: Number.NaN, tokenCount: 1, charCount: 1, byteCount: 1, unconditionalLogprob: 0 },
    ]);
    expect(none.winners.totalLogprob).toBe(-1);
    expect(none.metrics[0].probability).toBeNaN();
  });

  it("stays finite for very negative totals (the softmax is shifted)", () => {
    const { metrics } = choiceMetrics([
      { totalLogprob: -2000, tokenCount: 1, charCount: 1, byteCount: 1, unconditionalLogprob: 0 },
      { totalLogprob: -2000 - Math.LN2, tokenCount: 1, charCount: 1, byteCount: 1, unconditionalLogprob: 0 },
    ]);
    expect(metrics[0].probability).toBeCloseTo(2 / 3, 12);
    expect(metrics[1].probability).toBeCloseTo(1 / 3, 12);
  });
});
