import { describe, expect, it } from "vitest";
import { assembleText } from "../../src/core/assemble-text.js";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { spanLogprob, wordSpans } from "../../src/core/words.js";
import { tokenRow } from "../fixtures/rows.js";

/** Rows for tokens given as text or bytes, each with a logprob, through the real offset assembly. */
function rows(tokens: [string | number[], number | null][], first: Partial<TokenLogprob> = {}) {
  const raw = tokens.map(([t, logprob], i) =>
    tokenRow({
      position: i,
      token: typeof t === "string" ? t : "�",
      bytes: typeof t === "string" ? null : Uint8Array.from(t),
      logprob,
      ...(i === 0 ? first : {}),
    }),
  );
  return assembleText(raw);
}

const summary = (words: ReturnType<typeof wordSpans>) => words.map((w) => [w.text, w.logprob, w.positions]);

describe("wordSpans", () => {
  it("English: sums each word's tokens; punctuation joins the word it touches", () => {
    const { text, rows: r } = rows([
      ["The", -1],
      [" cap", -2],
      ["ital", -0.5],
      [" of", -0.25],
      [" (France", -3],
      ["),", -1],
      ["\n", -0.125],
      ["Paris", -4],
      [".", -0.5],
    ]);
    expect(text).toBe("The capital of (France),\nParis.");
    expect(summary(wordSpans(r, text))).toEqual([
      ["The", -1, [0]],
      ["capital", -2.5, [1, 2]],
      ["of", -0.25, [3]],
      ["(France),", -4, [4, 5]],
      ["Paris.", -4.625, [6, 7, 8]],
    ]);
    const w = wordSpans(r, text)[1];
    expect(w).toMatchObject({ start: 4, end: 11, tokenCount: 2 });
    expect(w?.surprisalBits).toBeCloseTo(2.5 / Math.LN2, 12);
  });

  it("a token spanning two words counts once, in the word of its first non-space character", () => {
    const { text, rows: r } = rows([
      ["I", -1],
      [" went to", -2],
      [" the", -3],
    ]);
    expect(summary(wordSpans(r, text))).toEqual([
      ["I", -1, [0]],
      ["went", -2, [1]],
      ["to", null, []],
      ["the", -3, [2]],
    ]);
  });

  it("the first word is null when position 0 has no conditional; special tokens join no word", () => {
    const { text, rows: r } = rows([
      ["Hello", null],
      [" world", -2],
      ["</s>", -0.1],
    ]);
    const special = r.map((row, i) => (i === 2 ? { ...row, special: true } : row));
    expect(text).toBe("Hello world</s>");
    const { text: t2, rows: r2 } = assembleText(special);
    expect(summary(wordSpans(r2, t2))).toEqual([
      ["Hello", null, [0]],
      ["world", -2, [1]],
    ]);
  });

  it("CJK with a passed segmenter (and with the default Intl.Segmenter)", () => {
    const { text, rows: r } = rows([
      ["東京", -1],
      ["は日本", -2],
      ["の", -0.5],
      ["首都", -3],
      ["です。", -1.5],
    ]);
    expect(text).toBe("東京は日本の首都です。");
    // Segmenter spans: 東京 | は | 日本 | の | 首都 | です (the "。" attaches to です).
    const cuts = [0, 2, 3, 5, 6, 8, 10];
    const segmenter = () => cuts.slice(0, -1).map((start, i) => ({ start, end: cuts[i + 1] as number }));
    expect(summary(wordSpans(r, text, { segmenter }))).toEqual([
      ["東京", -1, [0]],
      ["は", -2, [1]],
      ["日本", null, []],
      ["の", -0.5, [2]],
      ["首都", -3, [3]],
      ["です。", -1.5, [4]],
    ]);
    const byDefault = wordSpans(r, text);
    expect(byDefault.reduce((s, w) => s + (w.logprob ?? 0), 0)).toBe(-8);
    expect(byDefault.map((w) => w.text).join("")).toBe(text);
  });

  it("emoji: a free-standing emoji is a word, one touching a word joins it", () => {
    const { text, rows: r } = rows([
      ["I", -1],
      [" ❤️", -5],
      [" you", -1],
      ["🙂", -2],
    ]);
    expect(summary(wordSpans(r, text))).toEqual([
      ["I", -1, [0]],
      ["❤️", -5, [1]],
      ["you🙂", -3, [2, 3]],
    ]);
  });

  it("tokens that split one UTF-8 character share its word", () => {
    // "café 🙂": é = C3 A9 split over two tokens, 🙂 = F0 9F 99 82 split over two.
    const { text, rows: r } = rows([
      ["caf", -1],
      [[0xc3], -2],
      [[0xa9], -0.5],
      [[0x20, 0xf0, 0x9f], -3],
      [[0x99, 0x82], -0.25],
    ]);
    expect(text).toBe("café 🙂");
    expect(r.map((row) => [row.charStart, row.charEnd])).toEqual([
      [0, 3],
      [3, 4],
      [3, 4],
      [4, 7],
      [5, 7],
    ]);
    expect(summary(wordSpans(r, text))).toEqual([
      ["café", -3.5, [0, 1, 2]],
      ["🙂", -3.25, [3, 4]],
    ]);
  });

  it("whitespace-only tokens join the next word, or the last word at the end", () => {
    const { text, rows: r } = rows([
      ["a", -1],
      ["\n\n", -2],
      ["b", -3],
      [" ", -4],
    ]);
    expect(summary(wordSpans(r, text))).toEqual([
      ["a", -1, [0]],
      ["b", -9, [1, 2, 3]],
    ]);
  });
});

describe("spanLogprob", () => {
  const { text, rows: r } = rows([
    ["The", -1],
    [" capital", -2],
    [" of", -0.5],
  ]);
  it("sums every token overlapping the span, an edge-straddling token in full", () => {
    expect(text.slice(4, 11)).toBe("capital");
    expect(spanLogprob(r, 4, 11)).toBe(-2);
    expect(spanLogprob(r, 0, 5)).toBe(-3);
    expect(spanLogprob(r, 11, 11)).toBeNull();
    expect(spanLogprob([{ ...r[0], logprob: null } as TokenLogprob, ...r.slice(1)], 0, 5)).toBeNull();
  });
});
