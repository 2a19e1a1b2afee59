import { describe, expect, it } from "vitest";
import { buildKneserNey } from "../../src/local/kneser-ney-builder.js";
import { KneserNeyModel } from "../../src/local/kneser-ney-model.js";
import { discountFor, discountsFromCountOfCounts } from "../../src/local/kneser-ney-tables.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";
import { tinyDocuments } from "./tiny-corpus.js";

const small = { vocabSize: 10, bos: 8, eos: 9 };

function children(t: ReturnType<typeof buildKneserNey>["tables"], v: number) {
  const range = [t.bigramStart[v], t.bigramStart[v + 1]] as const;
  return {
    words: Array.from(t.bigramWords.slice(...range)),
    counts: Array.from(t.bigramCounts.slice(...range)),
  };
}

describe("buildKneserNey counts", () => {
  // Wrapped: 8 1 2 3 9 | 8 1 2 4 9 | 8 2 3 9
  const docs = [
    [1, 2, 3],
    [1, 2, 4],
    [2, 3],
  ];

  it("uses raw counts after BOS and continuation counts elsewhere", () => {
    const { tables, stats } = buildKneserNey(docs, { ...small, pruneSingletons: false });
    expect(stats).toEqual({
      documents: 3,
      tokens: 8,
      unigramTypes: 5,
      bigramTypes: 7,
      trigramTypes: 6,
      trigramsKept: 6,
    });
    expect(children(tables, 8)).toEqual({ words: [1, 2], counts: [2, 1] }); // raw: nothing precedes BOS
    expect(children(tables, 2)).toEqual({ words: [3, 4], counts: [2, 1] }); // (2 3) follows 1 and 8
    expect(children(tables, 1)).toEqual({ words: [2], counts: [1] }); // (1 2) follows only 8, twice
    expect(Array.from(tables.unigramCounts.slice(0, 10))).toEqual([0, 1, 2, 1, 1, 0, 0, 0, 0, 2]);
  });

  it("prunes singleton trigrams and records them with their history", () => {
    const { tables, stats } = buildKneserNey([...docs, [1, 2, 3]], small);
    // (8 1 2)×3 and (1 2 3)×2 and (2 3 9)×3 stay; (1 2 4) is pruned under the kept (1 2 3).
    expect(stats.trigramsKept).toBe(3);
    const b12 = tables.bigramStart[1];
    expect(
      Array.from(tables.trigramWords.slice(tables.trigramStart[b12], tables.trigramStart[b12 + 1])),
    ).toEqual([3]);
    expect(tables.trigramPruned[b12]).toBe(1);
    // A history whose children were all pruned keeps nothing, not even its pruned count.
    const b24 = tables.bigramStart[2] + 1;
    expect(tables.trigramStart[b24 + 1] - tables.trigramStart[b24]).toBe(0);
    expect(tables.trigramPruned[b24]).toBe(0);
  });

  it("rejects token ids outside the vocabulary", () => {
    expect(() => buildKneserNey([[1, 10]], small)).toThrow(/document 0 holds 10 at index 1/);
    expect(() => buildKneserNey([[1.5]], small)).toThrow(expect.objectContaining({ name: "UsageError" }));
  });

  it("handles an empty corpus: only the uniform floor remains", () => {
    const model = new KneserNeyModel(buildKneserNey([], small).tables, "empty");
    expect(model.logprob([8], 3)).toBeCloseTo(Math.log(1 / 10), 12);
  });
});

/**
 * Interpolated modified KN written the textbook way (string-keyed maps, no sharing with the
 * library beyond the discount formula), as an independent check of the builder and the weights.
 */
function reference(docs: number[][], prune: boolean, vocabSize: number, bos: number, eos: number) {
  const c2 = new Map<string, number>();
  const c3 = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const doc of docs) {
    const t = [bos, ...doc, eos];
    for (let i = 1; i < t.length; i++) add(c2, `${t[i - 1]} ${t[i]}`);
    for (let i = 2; i < t.length; i++) add(c3, `${t[i - 2]} ${t[i - 1]} ${t[i]}`);
  }
  const a2 = new Map<string, number>();
  for (const [k, c] of c2) if (k.startsWith(`${bos} `)) a2.set(k, c);
  // Every distinct trigram (u v w) is one left extension of (v w); after BOS raw counts stand.
  for (const k of c3.keys()) {
    const [, v, w] = k.split(" ");
    if (Number(v) !== bos) add(a2, `${v} ${w}`);
  }
  const a1 = new Map<number, number>();
  for (const k of c2.keys()) {
    const w = Number(k.split(" ")[1]);
    a1.set(w, (a1.get(w) ?? 0) + 1);
  }
  const coc = (values: Iterable<number>) => {
    const n: [number, number, number, number] = [0, 0, 0, 0];
    for (const c of values) if (c <= 4) n[c - 1]++;
    return n;
  };
  const d1 = discountsFromCountOfCounts(coc(a1.values()));
  const d2 = discountsFromCountOfCounts(coc(a2.values()));
  const d3 = discountsFromCountOfCounts(coc(c3.values()));
  const total1 = [...a1.values()].reduce((s, c) => s + c, 0);
  const gamma1 = [...a1.values()].reduce((s, c) => s + discountFor(d1, c), 0) / total1;
  const p1 = (w: number) =>
    Math.max((a1.get(w) ?? 0) - discountFor(d1, a1.get(w) ?? 0), 0) / total1 + gamma1 / vocabSize;
  const p2 = (v: number, w: number) => {
    const kids = [...a2].filter(([k]) => k.startsWith(`${v} `));
    const total = kids.reduce((s, [, c]) => s + c, 0);
    if (total === 0) return p1(w);
    const gamma = kids.reduce((s, [, c]) => s + discountFor(d2, c), 0) / total;
    const c = a2.get(`${v} ${w}`) ?? 0;
    return Math.max(c - discountFor(d2, c), 0) / total + gamma * p1(w);
  };
  return (u: number, v: number, w: number) => {
    const kids = [...c3].filter(([k]) => k.startsWith(`${u} ${v} `));
    const total = kids.reduce((s, [, c]) => s + c, 0);
    const kept = kids.filter(([, c]) => !prune || c >= 2);
    if (kept.length === 0) return p2(v, w);
    // Pruned singletons hand their whole count to the back-off weight.
    const held = kids.reduce((s, [k, c]) => s + (kept.some(([kk]) => kk === k) ? discountFor(d3, c) : c), 0);
    const c = kept.find(([k]) => k === `${u} ${v} ${w}`)?.[1] ?? 0;
    return (c > 0 ? (c - discountFor(d3, c)) / total : 0) + (held / total) * p2(v, w);
  };
}

describe("buildKneserNey probabilities", () => {
  const tokenizer = loadTokenizer();
  const docs = tinyDocuments(150, 3);
  for (const prune of [true, false]) {
    it(`equal a textbook modified-KN implementation (${prune ? "pruned" : "unpruned"})`, () => {
      const model = new KneserNeyModel(buildKneserNey(docs, { pruneSingletons: prune }).tables, "tiny");
      const ref = reference(docs, prune, 128_256, 128_000, 128_001);
      const words = [...new Set(docs.flat())].slice(0, 25).concat([128_001, 100_000, 128_000]);
      const histories = [
        [128_001, 128_000], // the BOS history: raw counts
        [128_000, ...tokenizer.encode("The")],
        [128_000, ...tokenizer.encode("The cat")],
        [...tokenizer.encode("cat sat")],
        [...tokenizer.encode(" the garden")],
        [...tokenizer.encode(" again.")],
        [100_000, ...tokenizer.encode(" the")],
      ].map((h) => h.slice(-2));
      for (const [u, v] of histories) {
        for (const w of words) {
          const expected = ref(u, v, w);
          expect(Math.abs(Math.exp(model.logprob([u, v], w)) - expected) / expected).toBeLessThan(1e-12);
        }
      }
    });
  }
});
