import { describe, expect, it } from "vitest";
import { isGreedyRun, isGreedyToken } from "../../src/core/greedy.js";

const alt = (tokenId: number, logprob: number, rank: number | null = null) => ({
  tokenId,
  token: String(tokenId),
  logprob,
  rank,
});

describe("isGreedyToken / isGreedyRun", () => {
  it("is rank 1 when the rank is known", () => {
    expect(isGreedyToken({ logprob: -0.2, rank: 1, rankCensored: false, alternatives: [] })).toBe(true);
    expect(isGreedyToken({ logprob: -1.2, rank: 2, rankCensored: false, alternatives: [alt(5, -0.5)] })).toBe(
      false,
    );
  });

  it("compares with the top alternative when no rank is given (ties are greedy, as lm-eval's ==)", () => {
    expect(
      isGreedyToken({ logprob: -0.5, rank: null, rankCensored: false, alternatives: [alt(5, -0.5)] }),
    ).toBe(true);
    expect(
      isGreedyToken({ logprob: -0.6, rank: null, rankCensored: false, alternatives: [alt(5, -0.5)] }),
    ).toBe(false);
  });

  it("is never greedy when censored, unknown, or with nothing to compare", () => {
    expect(isGreedyToken({ logprob: -3, rank: null, rankCensored: true, alternatives: [alt(5, -0.5)] })).toBe(
      false,
    );
    expect(isGreedyToken({ logprob: null, rank: 1, rankCensored: false, alternatives: [] })).toBe(false);
    expect(isGreedyToken({ logprob: -0.1, rank: null, rankCensored: false, alternatives: [] })).toBe(false);
  });

  it("needs every token of a run to be greedy, and at least one token", () => {
    const top = { logprob: -0.1, rank: 1, rankCensored: false, alternatives: [] };
    const second = { logprob: -2, rank: 2, rankCensored: false, alternatives: [] };
    expect(isGreedyRun([top, top])).toBe(true);
    expect(isGreedyRun([top, second])).toBe(false);
    expect(isGreedyRun([])).toBe(false);
  });
});
