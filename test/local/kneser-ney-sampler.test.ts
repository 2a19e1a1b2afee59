import { describe, expect, it } from "vitest";
import { loadEmbeddedModel } from "../../src/local/embedded-model.js";
import { KneserNeyModel } from "../../src/local/kneser-ney-model.js";
import type { LanguageModel } from "../../src/local/language-model.js";
import { createRandom } from "../../src/local/random.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";
import { tinyTables } from "./tiny-corpus.js";

const BOS = 128_000;
const tokenizer = loadTokenizer();
const model = new KneserNeyModel(tinyTables(), "tiny");

/** The exact tempered distribution, densely: p^(1/T) / Σ p^(1/T). */
function tempered(m: LanguageModel, context: number[], temperature: number): Float64Array {
  const lps = new Float64Array(m.vocabSize);
  for (let w = 0; w < m.vocabSize; w++) lps[w] = m.logprob(context, w);
  const max = lps.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY);
  const p = lps.map((lp) => Math.exp((lp - max) / temperature));
  const z = p.reduce((s, x) => s + x, 0);
  return p.map((x) => x / z);
}

/**
 * Draws n samples and checks the counts of the 8 most likely tokens and of everything else
 * against the exact distribution, within 5 standard deviations (a loose check that can fail).
 */
function checkFrequencies(m: LanguageModel, context: number[], temperature: number, n: number, seed: number) {
  const p = tempered(m, context, temperature);
  const head = Array.from(p.keys())
    .sort((a, b) => p[b] - p[a])
    .slice(0, 8);
  const counts = new Map<number, number>();
  const random = createRandom(seed);
  for (let i = 0; i < n; i++) {
    const w = m.sample(context, random, temperature);
    const bucket = head.includes(w) ? w : -1;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  const buckets = [
    ...head.map((w) => [w, p[w]] as const),
    [-1, 1 - head.reduce((s, w) => s + p[w], 0)] as const,
  ];
  for (const [w, prob] of buckets) {
    const expected = n * prob;
    const tolerance = 5 * Math.sqrt(n * prob * (1 - prob)) + 3;
    expect(Math.abs((counts.get(w) ?? 0) - expected), `token ${w}: p=${prob}`).toBeLessThan(tolerance);
  }
}

describe("sample", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const generate = (seed: number) => {
      const random = createRandom(seed);
      const context = [BOS];
      for (let i = 0; i < 40; i++) context.push(model.sample(context, random, 1));
      return context;
    };
    expect(generate(5)).toEqual(generate(5));
    expect(generate(5)).not.toEqual(generate(6));
  });

  it("at temperature 0 picks the top-1 token", () => {
    const never = () => {
      throw new Error("greedy decoding must not draw");
    };
    for (const text of ["", "The", "The cat sat on", " again.", "日本語"]) {
      const context = [BOS, ...tokenizer.encode(text)];
      expect(model.sample(context, never, 0)).toBe(model.topK(context, 1)[0].id);
    }
  });

  it("at a tiny temperature is greedy in effect", () => {
    const context = [BOS, ...tokenizer.encode("The cat")];
    const random = createRandom(3);
    for (let i = 0; i < 20; i++)
      expect(model.sample(context, random, 1e-4)).toBe(model.topK(context, 1)[0].id);
  });

  for (const [name, text] of [
    ["after BOS", ""],
    ["a seen trigram history", "The cat"],
    ["an unseen history (unigram only)", "日本語 xyz"],
  ] as const) {
    for (const temperature of [1, 0.5, 2]) {
      it(`follows the distribution ${name} at temperature ${temperature}`, () => {
        checkFrequencies(model, [BOS, ...tokenizer.encode(text)], temperature, 20_000, 11);
      });
    }
  }

  it("follows the embedded model's distribution after a common token", () => {
    checkFrequencies(
      loadEmbeddedModel(),
      [BOS, ...tokenizer.encode("The President of the United")],
      1,
      4_000,
      12,
    );
  });

  it("spreads over the whole vocabulary at a huge temperature", () => {
    const random = createRandom(9);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(model.sample([BOS], random, 1e6));
    expect(seen.size).toBeGreaterThan(190);
  });

  it("rejects a bad temperature or random source", () => {
    expect(() => model.sample([BOS], createRandom(1), -1)).toThrow(
      /temperature must be a finite number >= 0/,
    );
    expect(() => model.sample([BOS], createRandom(1), Number.POSITIVE_INFINITY)).toThrow(/temperature/);
    expect(() => model.sample([BOS], () => 1, 1)).toThrow(/\[0, 1\)/);
    expect(() => model.sample([BOS], undefined as unknown as () => number, 1)).toThrow(/createRandom/);
  });
});
