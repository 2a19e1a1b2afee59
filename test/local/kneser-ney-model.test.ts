import { describe, expect, it } from "vitest";
import { loadEmbeddedModel } from "../../src/local/embedded-model.js";
import { KneserNeyModel } from "../../src/local/kneser-ney-model.js";
import type { KneserNeyTables } from "../../src/local/kneser-ney-tables.js";
import type { LanguageModel, ScoredToken } from "../../src/local/language-model.js";
import { createRandom } from "../../src/local/random.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";
import { tinyTables } from "./tiny-corpus.js";

const BOS = 128_000;
const EOS = 128_001;
const EOT = 128_009;
const UNSEEN = 100_000; // a cl100k-range id that neither corpus contains
const tokenizer = loadTokenizer();
const ids = (text: string) => tokenizer.encode(text);

/** The oracle: every token's logprob, one by one, through the public API. */
function dense(model: LanguageModel, context: readonly number[]): Float64Array {
  const lps = new Float64Array(model.vocabSize);
  for (let w = 0; w < model.vocabSize; w++) lps[w] = model.logprob(context, w);
  return lps;
}

function denseTop(lps: Float64Array, k: number): ScoredToken[] {
  const order = Array.from(lps.keys()).sort((a, b) => lps[b] - lps[a] || a - b);
  return order.slice(0, k).map((id) => ({ id, logprob: lps[id] }));
}

function denseRank(lps: Float64Array, actual: number): number {
  let above = 0;
  for (let w = 0; w < lps.length; w++) if (lps[w] > lps[actual]) above++;
  return 1 + above;
}

/** A context (u, v) whose bigram exists but whose trigram children were all pruned. */
function prunedHistory(t: KneserNeyTables): number[] {
  for (let u = 0; u < t.vocabSize; u++) {
    for (let b = t.bigramStart[u]; b < t.bigramStart[u + 1]; b++) {
      if (u !== BOS && t.trigramStart[b + 1] === t.trigramStart[b]) return [BOS, u, t.bigramWords[b]];
    }
  }
  throw new Error("no fully pruned history in the tiny corpus");
}

/** Actual tokens to rank: the head, the middle, the rarest seen, unseen, special, random. */
function actualsFor(lps: Float64Array, seed: number): number[] {
  const order = Array.from(lps.keys()).sort((a, b) => lps[b] - lps[a] || a - b);
  const floor = lps[order[order.length - 1]];
  const lastAboveFloor = order.filter((w) => lps[w] > floor).length - 1;
  const random = createRandom(seed);
  const randomIds = Array.from({ length: 12 }, () => Math.floor(random() * lps.length));
  return [
    order[0],
    order[1],
    order[4],
    order[49],
    order[Math.max(0, lastAboveFloor)],
    UNSEEN,
    EOT,
    BOS,
    EOS,
    ...randomIds,
  ];
}

function checkAgainstDense(model: LanguageModel, context: number[], seed: number): void {
  const lps = dense(model, context);
  let sum = 0;
  for (const lp of lps) sum += Math.exp(lp);
  expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
  for (const k of [0, 1, 5, 20, 100]) expect(model.topK(context, k)).toEqual(denseTop(lps, k));
  for (const actual of actualsFor(lps, seed)) {
    const q = model.query(context, actual, 20);
    expect(q.logprob).toBe(lps[actual]);
    expect(q.rank).toBe(denseRank(lps, actual));
    expect(q.top).toEqual(denseTop(lps, 20));
  }
}

describe("KneserNeyModel on a tiny composed corpus", () => {
  for (const pruned of [true, false]) {
    const tables = tinyTables(pruned);
    const model = new KneserNeyModel(tables, "tiny");
    const contexts: Record<string, number[]> = {
      "empty context": [],
      "BOS only": [BOS],
      "seen trigram history": [BOS, ...ids("The cat sat on")],
      "after BOS and a word": [BOS, ...ids("The")],
      "seen bigram, unseen trigram history": [BOS, UNSEEN, ...ids(" the")],
      "unseen last token": [BOS, ...ids("The"), UNSEEN],
      "after EOS": [BOS, ...ids("The cat sat."), EOS],
      "special tokens": [BOS, EOT, 128_006],
      ...(pruned ? { "bigram whose trigrams were all pruned": prunedHistory(tables) } : {}),
    };
    Object.entries(contexts).forEach(([name, context], i) => {
      it(`${pruned ? "pruned" : "unpruned"}: ${name} sums to 1 and matches the dense oracle`, () => {
        checkAgainstDense(model, context, i);
      });
    });
  }

  it("ranks deep into the distribution (k beyond every cached head) exactly", () => {
    const model = new KneserNeyModel(tinyTables(), "tiny");
    const context = [BOS, ...ids("The old")];
    expect(model.topK(context, 3000)).toEqual(denseTop(dense(model, context), 3000));
  });

  it("gives every unseen token the same floor logprob and a shared rank", () => {
    const model = new KneserNeyModel(tinyTables(), "tiny");
    const a = model.query([BOS], UNSEEN, 1);
    const b = model.query([BOS], UNSEEN + 1, 1);
    expect(a.logprob).toBe(b.logprob);
    expect(a.rank).toBe(b.rank);
    expect(Number.isFinite(a.logprob)).toBe(true);
  });
});

describe("KneserNeyModel on the embedded model", () => {
  const model = loadEmbeddedModel();
  const contexts: Record<string, number[]> = {
    "BOS only": [BOS],
    "a prompt": [BOS, ...ids("The capital of France is")],
    "after ' the' (the largest candidate set)": [BOS, ...ids("We must protect the")],
    "after a comma": [BOS, ...ids("Mr. Darcy,")],
    jargon: [BOS, ...ids("A hacker is a person who")],
    "unseen history": [BOS, ...ids("日本語 は")],
    "chat template tokens": [BOS, 128_006, ...ids("user"), 128_007, ...ids("\n\n")],
  };
  Object.entries(contexts).forEach(([name, context], i) => {
    it(`${name}: sums to 1 and matches the dense oracle`, () => {
      checkAgainstDense(model, context, 100 + i);
    });
  });
});

describe("input checks", () => {
  const model = new KneserNeyModel(tinyTables(), "tiny");
  it.each([
    ["a negative token", () => model.logprob([BOS], -1), /not a token id/],
    ["a token past the vocabulary", () => model.query([BOS], 128_256, 5), /\[0, 128256\)/],
    ["a fractional k", () => model.topK([BOS], 2.5), /k must be an integer/],
    ["a negative k", () => model.query([BOS], 1, -1), /k must be an integer/],
    ["a bad context token", () => model.topK([BOS, Number.NaN], 1), /context token NaN/],
    [
      "a context that is not an array",
      () => model.topK(null as unknown as number[], 1),
      /context must be an array/,
    ],
  ])("rejects %s with a UsageError", (_, call, message) => {
    expect(call).toThrow(message);
    try {
      call();
    } catch (error) {
      expect((error as Error).name).toBe("UsageError");
    }
  });
});
