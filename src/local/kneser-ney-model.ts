import { UsageError } from "../errors.js";
import {
  type BigramCandidates,
  bigramCandidates,
  indexIn,
  type TrigramCandidates,
  trigramCandidates,
} from "./candidate-sets.js";
import { createSampler } from "./kneser-ney-sampler.js";
import type { KneserNeyTables } from "./kneser-ney-tables.js";
import { computeWeights, type KneserNeyWeights } from "./kneser-ney-weights.js";
import type { LanguageModel, PositionQuery, ScoredToken } from "./language-model.js";
import { countAbove, topCandidates } from "./ranking.js";

/** Trigram histories kept ranked per cache generation (two generations live: an approximate LRU). */
const TRIGRAM_CACHE = 4096;

/**
 * An interpolated modified Kneser-Ney trigram model over token ids, exactly normalized over the
 * whole vocabulary. Queries touch only the observed continuations of the context (see ranking.ts).
 *
 * @example
 * const model = new KneserNeyModel(buildKneserNey(docs).tables, "local");
 * model.query([128000, 791], 6864, 20) // { logprob, rank, top: [...20] }
 */
export class KneserNeyModel implements LanguageModel {
  readonly vocabSize: number;
  readonly checksum: string;
  readonly tables: KneserNeyTables;
  /** Free-form description from the model file (tokenizer, corpus, build settings). */
  readonly meta: Readonly<Record<string, unknown>>;
  private readonly weights: KneserNeyWeights;
  private readonly bigramCache: (BigramCandidates | undefined)[];
  private readonly noHistory: BigramCandidates;
  private trigramCache = new Map<number, TrigramCandidates>();
  private trigramOld = new Map<number, TrigramCandidates>();
  private readonly draw: ReturnType<typeof createSampler>;
  // The history of the current call; fields rather than a returned object keep the hot path allocation-free.
  private v = -1;
  private b = -1;

  constructor(tables: KneserNeyTables, checksum: string, meta: Record<string, unknown> = {}) {
    assertNested(tables);
    this.tables = tables;
    this.meta = meta;
    this.vocabSize = tables.vocabSize;
    this.checksum = checksum;
    this.weights = computeWeights(tables);
    this.bigramCache = new Array(tables.vocabSize);
    this.noHistory = bigramCandidates(this.weights, -1);
    this.draw = createSampler(this.weights);
  }

  logprob(context: ArrayLike<number>, token: number): number {
    this.checkToken(token, "token");
    this.resolve(context);
    return Math.log(this.probability(token));
  }

  query(context: ArrayLike<number>, actual: number, k: number): PositionQuery {
    this.checkToken(actual, "actual token");
    this.checkK(k);
    this.resolve(context);
    const logprob = Math.log(this.probability(actual));
    const c2 = this.bigram();
    const c3 = this.trigram(c2);
    return {
      logprob,
      rank: 1 + countAbove(this.weights, c2, c3, logprob),
      top: topCandidates(this.weights, c2, c3, k),
    };
  }

  topK(context: ArrayLike<number>, k: number): ScoredToken[] {
    this.checkK(k);
    this.resolve(context);
    const c2 = this.bigram();
    return topCandidates(this.weights, c2, this.trigram(c2), k);
  }

  sample(context: ArrayLike<number>, random: () => number, temperature: number): number {
    if (typeof random !== "function")
      throw new UsageError("sample() needs random: () => number, e.g. createRandom(42).");
    if (!(Number.isFinite(temperature) && temperature >= 0)) {
      throw new UsageError(
        `temperature must be a finite number >= 0 (0 = greedy), got ${String(temperature)}.`,
      );
    }
    if (temperature === 0) return this.topK(context, 1)[0].id;
    this.resolve(context);
    const c2 = this.bigram();
    return this.draw(c2, this.trigram(c2), random, temperature);
  }

  /** The canonical P(token | history): the one expression every other path reproduces bit for bit. */
  private probability(token: number): number {
    const w = this.weights;
    const { v, b } = this;
    let q: number;
    if (v < 0) {
      q = w.unigram[token];
    } else {
      const e2 = indexIn(w.bigramWords, w.bigramStart[v], w.bigramStart[v + 1], token);
      q = (e2 >= 0 ? w.bigramAlpha[e2] : 0) + w.bigramGamma[v] * w.unigram[token];
    }
    if (b < 0) return q;
    const e3 = indexIn(w.trigramWords, w.trigramStart[b], w.trigramStart[b + 1], token);
    return (e3 >= 0 ? w.trigramAlpha[e3] : 0) + w.trigramGamma[b] * q;
  }

  private resolve(context: ArrayLike<number>): void {
    if (context === null || typeof context !== "object" || typeof context.length !== "number") {
      throw new UsageError("context must be an array of token ids (BOS first), e.g. [128000, 791].");
    }
    const n = context.length;
    this.v = -1;
    this.b = -1;
    if (n === 0) return;
    const v = context[n - 1];
    this.checkToken(v, "context token");
    this.v = v;
    if (n === 1) return;
    const u = context[n - 2];
    this.checkToken(u, "context token");
    const w = this.weights;
    this.b = indexIn(w.bigramWords, w.bigramStart[u], w.bigramStart[u + 1], v);
  }

  private bigram(): BigramCandidates {
    const { v } = this;
    if (v < 0 || this.weights.bigramStart[v + 1] === this.weights.bigramStart[v]) return this.noHistory;
    let c2 = this.bigramCache[v];
    if (c2 === undefined) {
      c2 = bigramCandidates(this.weights, v);
      this.bigramCache[v] = c2;
    }
    return c2;
  }

  private trigram(c2: BigramCandidates): TrigramCandidates | undefined {
    const { b } = this;
    if (b < 0 || this.weights.trigramStart[b + 1] === this.weights.trigramStart[b]) return undefined;
    let c3 = this.trigramCache.get(b);
    if (c3 !== undefined) return c3;
    c3 = this.trigramOld.get(b) ?? trigramCandidates(this.weights, b, c2);
    if (this.trigramCache.size >= TRIGRAM_CACHE) {
      this.trigramOld = this.trigramCache;
      this.trigramCache = new Map();
    }
    this.trigramCache.set(b, c3!);
    return c3;
  }

  private checkToken(id: number, what: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new UsageError(
        `${what} ${String(id)} is not a token id: ids are integers in [0, ${this.vocabSize}). Use ids from the tokenizer's encode().`,
      );
    }
  }

  private checkK(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k > this.vocabSize) {
      throw new UsageError(
        `k must be an integer in [0, ${this.vocabSize}], got ${String(k)}; 20 is the usual top-k.`,
      );
    }
  }
}

// Ranking relies on every kept trigram (u v w) having its bigram (v w): C3 ⊆ C2. The builder
// guarantees it; a hand-made or damaged table that broke it would give wrong ranks silently.
function assertNested(t: KneserNeyTables): void {
  const { bigramStart, bigramWords, trigramStart, trigramWords } = t;
  for (let b = 0; b < bigramWords.length; b++) {
    const v = bigramWords[b];
    for (let e = trigramStart[b]; e < trigramStart[b + 1]; e++) {
      if (indexIn(bigramWords, bigramStart[v], bigramStart[v + 1], trigramWords[e]) < 0) {
        throw new Error(
          `model tables are inconsistent: bigram #${b} has trigram child ${trigramWords[e]} but bigram (${v} ${trigramWords[e]}) is missing.`,
        );
      }
    }
  }
}
