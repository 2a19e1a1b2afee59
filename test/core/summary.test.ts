import { describe, expect, it } from "vitest";
import { summarize } from "../../src/core/summary.js";
import { tokenRow } from "../fixtures/rows.js";

describe("summarize", () => {
  it("scores only known logprobs: perplexity = exp(mean NLL), bits per byte over UTF-8 bytes", () => {
    const rows = [
      tokenRow({ position: 0, token: "<s>", logprob: null, rank: null, special: true }),
      tokenRow({ position: 1, token: "ab", logprob: -1, charStart: 0, charEnd: 2 }),
      tokenRow({ position: 2, token: "é", logprob: -3, charStart: 2, charEnd: 3 }),
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
  it("counts a character split over tokens once: tokens carrying its bytes share its span", () => {
    // "a雨b" with 雨 (3 UTF-8 bytes) split over two tokens: both get 雨's span 1..2.
    const rows = [
      tokenRow({ position: 0, token: "a", logprob: -1, charStart: 0, charEnd: 1 }),
      tokenRow({
        position: 1,
        token: "",
        bytes: new Uint8Array([0xe9, 0x9b]),
        logprob: -2,
        charStart: 1,
        charEnd: 2,
      }),
      tokenRow({
        position: 2,
        token: "雨",
        bytes: new Uint8Array([0xa8]),
        logprob: -3,
        charStart: 1,
        charEnd: 2,
      }),
      tokenRow({ position: 3, token: "b", logprob: -4, charStart: 2, charEnd: 3 }),
    ];
    const s = summarize(rows);
    expect(s.charCount).toBe(3);
    expect(s.byteCount).toBe(5);
  });
});
