import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assembleText } from "../../src/core/assemble-text.js";
import {
  bitsPerByte,
  bytePerplexity,
  corpusPerplexity,
  cumulativeLogprob,
  perDocumentPerplexity,
  whitespaceWordCount,
  wordPerplexity,
} from "../../src/core/corpus.js";
import { summarize } from "../../src/core/summary.js";
import { wordSpans } from "../../src/core/words.js";
import { tokenRow } from "../fixtures/rows.js";

const doc = (logprobs: (number | null)[], text = "") => ({
  text,
  rows: logprobs.map((logprob, i) => tokenRow({ position: i, token: "ab", logprob })),
});

describe("corpus perplexity", () => {
  const a = doc([null, -1, -1]);
  const b = doc([-4]);
  it("is token-weighted: exp(Σ NLL / Σ scored tokens)", () => {
    expect(corpusPerplexity([a, b])).toBeCloseTo(Math.exp(6 / 3), 12);
    expect(corpusPerplexity([])).toBeNaN();
  });
  it("reports per-document perplexities and their plain mean separately", () => {
    const p = perDocumentPerplexity([a, b, doc([null])]);
    expect(p.perDocument[0]).toBeCloseTo(Math.E, 12);
    expect(p.perDocument[1]).toBeCloseTo(Math.exp(4), 12);
    expect(p.perDocument[2]).toBeNaN();
    expect(p.mean).toBeCloseTo((Math.E + Math.exp(4)) / 2, 12);
    expect(p.mean).not.toBeCloseTo(corpusPerplexity([a, b]), 3);
  });
  it("bits per byte = Σ NLL / (ln 2 · Σ UTF-8 bytes of scored tokens)", () => {
    expect(bitsPerByte([a, b])).toBeCloseTo(6 / (Math.LN2 * 6), 12);
  });
  it("§6 reference: byte perplexity = 2^bits-per-byte (lm-eval wikitext, Llama-2-7b / Mistral / Llama-3.2)", () => {
    // Build one document whose bits per byte is the published value and check the published byte_ppl.
    const published: [number, number][] = [
      [0.5865, 1.5016],
      [0.6163, 1.5329],
      [0.6243, 1.5414],
    ];
    for (const [bpb, bytePpl] of published) {
      const bytes = new Uint8Array(1000).fill(0x61);
      const rows = [tokenRow({ position: 1, bytes, logprob: -bpb * Math.LN2 * 1000 })];
      expect(bitsPerByte([{ rows }])).toBeCloseTo(bpb, 12);
      expect(bytePerplexity([{ rows }])).toBeCloseTo(bytePpl, 3);
    }
  });
  it("word perplexity = exp(Σ NLL / whitespace words), lm-eval's divisor", () => {
    expect(wordPerplexity([doc([null, -3, -3], "The cat sat.")])).toBeCloseTo(Math.exp(2), 12);
    expect(wordPerplexity([doc([-1], "   ")])).toBeNaN();
    expect(whitespaceWordCount(" The cat\n\tsat.  ")).toBe(3);
    expect(whitespaceWordCount("東京は日本の首都です。")).toBe(1);
  });
  it("cumulative logprob: running sum over scored positions, null where the row is unscored", () => {
    expect(cumulativeLogprob(doc([null, -1, null, -2]).rows)).toEqual([null, -1, null, -3]);
  });
});

describe("§6 reference: units and probability formatting", () => {
  it("unit conversions bits ↔ nats (minicons: 10.879678726 nats = 15.69606 bits; 2.51055 nats = 3.62196 bits)", () => {
    const bits = (nats: number) => nats / Math.LN2;
    expect(bits(10.879678726)).toBeCloseTo(15.69606, 4);
    expect(bits(2.51055)).toBeCloseTo(3.62196, 4);
    // 1 nat = 1.442695 bits (the published factor, to 6 decimals).
    expect(Number((1 / Math.LN2).toFixed(6))).toBe(Number("1.442695"));
    expect(-Math.log(0.5) / Math.LN2).toBe(1);
  });
  it("minicons sum invariant: token logprobs of 'The sketch of those trucks hasn't' sum to −37.6981", () => {
    const lps = [-10.8797, -2.5106, -6.6632, -8.9624, -8.6817, -0.000534];
    const s = summarize(lps.map((logprob, i) => tokenRow({ position: i + 1, logprob })));
    expect(s.totalLogprob).toBeCloseTo(-37.6981, 3);
  });
  it("probability formatting (OpenAI cookbook): −0.028133942 → 97.23 %, −4.278134 → 1.39 %, −3.1281633e−07 → 100.0 %", () => {
    const percent = (logprob: number) => Math.round(Math.exp(logprob) * 100 * 100) / 100;
    expect(percent(-0.028133942)).toBe(97.23);
    expect(percent(-4.278134)).toBe(1.39);
    expect(percent(-3.1281633e-7)).toBe(100);
  });
});

describe("properties", () => {
  const logprobs = fc.array(fc.option(fc.double({ min: -30, max: 0, noNaN: true }), { nil: null, freq: 5 }), {
    minLength: 1,
    maxLength: 40,
  });

  it("Σ token logprobs = summary.totalLogprob = last cumulative = Σ word logprobs", () => {
    fc.assert(
      fc.property(logprobs, (lps) => {
        const { rows, text } = assembleText(
          lps.map((logprob, i) => tokenRow({ position: i, token: ` w${i}`, logprob })),
        );
        const known = lps.filter((x): x is number => x !== null);
        const total = known.reduce((s, x) => s + x, 0);
        const s = summarize(rows);
        expect(s.totalLogprob).toBeCloseTo(total, 9);
        const cumulative = cumulativeLogprob(rows).filter((x) => x !== null);
        expect(cumulative.at(-1) ?? 0).toBeCloseTo(total, 9);
        const words = wordSpans(rows, text);
        expect(words).toHaveLength(rows.length);
        expect(words.reduce((sum, w) => sum + (w.logprob ?? 0), 0)).toBeCloseTo(total, 9);
      }),
      { numRuns: 1000 },
    );
  });

  it("perplexity = 2^(mean surprisal in bits) = e^(mean NLL in nats)", () => {
    fc.assert(
      fc.property(logprobs, (lps) => {
        const rows = lps.map((logprob, i) => tokenRow({ position: i, logprob }));
        const s = summarize(rows);
        const bits = lps.filter((x): x is number => x !== null).map((x) => -x / Math.LN2);
        if (bits.length === 0) {
          expect(s.perplexity).toBeNaN();
          return;
        }
        const meanBits = bits.reduce((a, b) => a + b, 0) / bits.length;
        expect(Math.log(s.perplexity)).toBeCloseTo(Math.log(2 ** meanBits), 9);
        expect(corpusPerplexity([{ rows }])).toBeCloseTo(s.perplexity, 9);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("whitespaceWordCount", () => {
  it("counts what split(/\\s+/u) leaves, for every kind of whitespace", () => {
    const pieces = [
      "a",
      "bc",
      " ",
      "\t",
      "\n",
      "\u00a0",
      "\u2003",
      "\u3000",
      "\ufeff",
      "\u200b",
      "é",
      "😊",
      "\r\n",
    ];
    let seed = 7;
    for (let n = 0; n < 500; n++) {
      let text = "";
      for (let i = 0; i < n % 12; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        text += pieces[seed % pieces.length];
      }
      expect(whitespaceWordCount(text)).toBe(text.split(/\s+/u).filter((w) => w.length > 0).length);
    }
  });
});
