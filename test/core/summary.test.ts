import { describe, expect, it } from "vitest";
import { summarize } from "../../src/core/summary.js";
import type { TokenLogprob } from "../../src/core/token-logprob.js";

const base = {
  tokenId: null,
  bytes: null,
  rank: 1,
  rankCensored: false,
  rankBound: null,
  topK: 0,
  alternatives: [],
  isPrompt: true,
  special: false,
};

describe("summarize", () => {
  it("scores only known logprobs: perplexity = exp(mean NLL), bits per byte over UTF-8 bytes", () => {
    const rows: TokenLogprob[] = [
      { ...base, position: 0, token: "<s>", logprob: null, charStart: 0, charEnd: 0, special: true },
      { ...base, position: 1, token: "ab", logprob: -1, charStart: 0, charEnd: 2 },
      { ...base, position: 2, token: "é", logprob: -3, charStart: 2, charEnd: 3 },
    ];
    const s = summarize(rows);
    expect(s.tokenCount).toBe(2);
    expect(s.positionCount).toBe(3);
    expect(s.totalLogprob).toBe(-4);
    expect(s.meanLogprob).toBe(-2);
    expect(s.perplexity).toBeCloseTo(Math.exp(2), 12);
    expect(s.byteCount).toBe(4);
    expect(s.bitsPerByte).toBeCloseTo(4 / (Math.LN2 * 4), 12);
  });
  it("reports NaN, not zero, when nothing was scored", () => {
    expect(summarize([]).perplexity).toBeNaN();
  });
});
