import { describe, expect, it } from "vitest";
import { rankByValue } from "../../src/providers/rank-by-value.js";

describe("rankByValue", () => {
  it("ranks by value, ties sharing 1 + how many are more likely, unknown values last and unranked", () => {
    const alt = (tokenId: number, logprob: number | null) => ({
      tokenId,
      token: String(tokenId),
      logprob,
      rank: null,
    });
    const ranked = rankByValue([alt(1, -2), alt(2, null), alt(3, -1), alt(4, -2), alt(5, -0), alt(6, 0)]);
    expect(ranked.map((a) => [a.tokenId, a.rank])).toEqual([
      [5, 1],
      [6, 1],
      [3, 3],
      [1, 4],
      [4, 4],
      [2, null],
    ]);
  });

  it("leaves the input as it was", () => {
    const input = [
      { tokenId: 1, token: "a", logprob: -2, rank: null },
      { tokenId: 2, token: "b", logprob: -1, rank: null },
    ];
    rankByValue(input);
    expect(input.map((a) => a.rank)).toEqual([null, null]);
  });
});
