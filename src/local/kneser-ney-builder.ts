import { UsageError } from "../errors.js";
import { countOfCounts, discountsFromCountOfCounts, type KneserNeyTables } from "./kneser-ney-tables.js";

/** How to build the tables. @example const options: BuildOptions = { pruneSingletons: false } */
export interface BuildOptions {
  /** Drop trigrams seen once, moving their mass to the back-off weight (default true: ~half the size, ~3% worse perplexity). */
  pruneSingletons?: boolean;
  /** Defaults: Llama 3 (128,256 ids, BOS 128000, EOS 128001). */
  vocabSize?: number;
  bos?: number;
  eos?: number;
}

/** What the corpus held. @example console.log(`${stats.tokens} tokens`) */
export interface BuildStats {
  documents: number;
  /** Document tokens, BOS/EOS not included. */
  tokens: number;
  /** Distinct tokens that were predicted at least once (EOS included). */
  unigramTypes: number;
  bigramTypes: number;
  /** Distinct trigrams before pruning. */
  trigramTypes: number;
  trigramsKept: number;
}

/**
 * Counts a corpus into modified Kneser-Ney trigram tables. Each document is a paragraph of token ids
 * (no BOS/EOS; the builder wraps it as BOS … EOS), so the model learns how a text starts.
 *
 * @example
 * const { tables } = buildKneserNey([tok.encode("The cat sat."), tok.encode("A dog ran.")]);
 */
export function buildKneserNey(
  documents: Iterable<ArrayLike<number>>,
  options: BuildOptions = {},
): { tables: KneserNeyTables; stats: BuildStats } {
  const vocabSize = options.vocabSize ?? 128_256;
  const bos = options.bos ?? 128_000;
  const eos = options.eos ?? 128_001;
  const { tokens, starts } = wrapDocuments(documents, vocabSize, bos, eos);

  // Bigram level: key = v·V + w for every position whose predecessor is in the same document.
  const bigramKeys = new Float64Array(tokens.length - (starts.length - 1));
  forEachPosition(starts, 1, (i, n) => {
    bigramKeys[n] = tokens[i - 1] * vocabSize + tokens[i];
  });
  const bigrams = uniqueCounts(bigramKeys);
  const bigramCount = bigrams.keys.length;
  const bigramFirst = new Uint32Array(bigramCount);
  const bigramWords = new Uint32Array(bigramCount);
  for (let b = 0; b < bigramCount; b++) {
    bigramFirst[b] = Math.floor(bigrams.keys[b] / vocabSize);
    bigramWords[b] = bigrams.keys[b] - bigramFirst[b] * vocabSize;
  }
  const bigramStart = groupStarts(bigramFirst, vocabSize);

  // Trigram level: key = id(u v)·V + w, so a trigram's history is its bigram id (< 2^53 / V).
  const bigramIdAt = new Uint32Array(tokens.length);
  forEachPosition(starts, 1, (i) => {
    bigramIdAt[i] = lowerBound(bigrams.keys, tokens[i - 1] * vocabSize + tokens[i]);
  });
  const trigramKeys = new Float64Array(tokens.length - 2 * (starts.length - 1));
  forEachPosition(starts, 2, (i, n) => {
    trigramKeys[n] = bigramIdAt[i - 1] * vocabSize + tokens[i];
  });
  const trigrams = uniqueCounts(trigramKeys);
  const trigramCount = trigrams.keys.length;
  const trigramHistory = new Uint32Array(trigramCount);
  const trigramWordsAll = new Uint32Array(trigramCount);
  for (let t = 0; t < trigramCount; t++) {
    trigramHistory[t] = Math.floor(trigrams.keys[t] / vocabSize);
    trigramWordsAll[t] = trigrams.keys[t] - trigramHistory[t] * vocabSize;
  }

  // Adjusted counts: a bigram counts its distinct left extensions, except after BOS where nothing
  // can precede it and the raw count stands in (KenLM's convention).
  const bigramCounts = new Uint32Array(bigramCount);
  for (let t = 0; t < trigramCount; t++) {
    const v = bigramWords[trigramHistory[t]];
    const suffix = lowerBound(bigrams.keys, v * vocabSize + trigramWordsAll[t]);
    bigramCounts[suffix]++;
  }
  const unigramCounts = new Uint32Array(vocabSize);
  for (let b = 0; b < bigramCount; b++) {
    if (bigramFirst[b] === bos) bigramCounts[b] = bigrams.counts[b];
    unigramCounts[bigramWords[b]]++;
  }

  const discounts = [
    discountsFromCountOfCounts(countOfCounts(unigramCounts)),
    discountsFromCountOfCounts(countOfCounts(bigramCounts)),
    discountsFromCountOfCounts(countOfCounts(trigrams.counts)),
  ];
  const kept = pruneTrigrams(
    trigramHistory,
    trigramWordsAll,
    trigrams.counts,
    bigramCount,
    options.pruneSingletons ?? true,
  );
  let unigramTypes = 0;
  for (let w = 0; w < vocabSize; w++) if (unigramCounts[w] > 0) unigramTypes++;
  return {
    tables: {
      vocabSize,
      bos,
      eos,
      discounts,
      unigramCounts,
      bigramStart,
      bigramWords,
      bigramCounts,
      ...kept,
    },
    stats: {
      documents: starts.length - 1,
      tokens: tokens.length - 2 * (starts.length - 1),
      unigramTypes,
      bigramTypes: bigramCount,
      trigramTypes: trigramCount,
      trigramsKept: kept.trigramWords.length,
    },
  };
}

function wrapDocuments(documents: Iterable<ArrayLike<number>>, vocabSize: number, bos: number, eos: number) {
  const list: ArrayLike<number>[] = [];
  let total = 0;
  for (const doc of documents) {
    for (let i = 0; i < doc.length; i++) {
      const id = doc[i];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new UsageError(
          `document ${list.length} holds ${String(id)} at index ${i}; token ids must be integers in [0, ${vocabSize}).`,
        );
      }
    }
    list.push(doc);
    total += doc.length + 2;
  }
  const tokens = new Uint32Array(total);
  const starts = new Uint32Array(list.length + 1);
  let at = 0;
  list.forEach((doc, d) => {
    starts[d] = at;
    tokens[at++] = bos;
    for (let i = 0; i < doc.length; i++) tokens[at++] = doc[i];
    tokens[at++] = eos;
  });
  starts[list.length] = at;
  return { tokens, starts };
}

/** Calls `visit(i, n)` for every position i at least `skip` after its document's BOS; n counts the calls. */
function forEachPosition(starts: Uint32Array, skip: number, visit: (i: number, n: number) => void): void {
  let n = 0;
  for (let d = 0; d + 1 < starts.length; d++) {
    for (let i = starts[d] + skip; i < starts[d + 1]; i++) visit(i, n++);
  }
}

function uniqueCounts(keys: Float64Array): { keys: Float64Array; counts: Uint32Array } {
  const sorted = keys.slice().sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique++;
  const outKeys = new Float64Array(unique);
  const counts = new Uint32Array(unique);
  let u = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) outKeys[++u] = sorted[i];
    counts[u]++;
  }
  return { keys: outKeys, counts };
}

/** CSR offsets of ascending `parents` over `parentCount` parents. */
function groupStarts(parents: Uint32Array, parentCount: number): Uint32Array {
  const start = new Uint32Array(parentCount + 1);
  for (let i = 0; i < parents.length; i++) start[parents[i] + 1]++;
  for (let p = 0; p < parentCount; p++) start[p + 1] += start[p];
  return start;
}

function lowerBound(sorted: Float64Array, key: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function pruneTrigrams(
  history: Uint32Array,
  words: Uint32Array,
  counts: Uint32Array,
  bigramCount: number,
  prune: boolean,
): Pick<KneserNeyTables, "trigramStart" | "trigramWords" | "trigramCounts" | "trigramPruned"> {
  const minCount = prune ? 2 : 1;
  let keptTotal = 0;
  for (let t = 0; t < counts.length; t++) if (counts[t] >= minCount) keptTotal++;
  const trigramWords = new Uint32Array(keptTotal);
  const trigramCounts = new Uint32Array(keptTotal);
  const keptHistory = new Uint32Array(keptTotal);
  const trigramPruned = new Uint32Array(bigramCount);
  let k = 0;
  for (let t = 0; t < counts.length; t++) {
    if (counts[t] >= minCount) {
      trigramWords[k] = words[t];
      trigramCounts[k] = counts[t];
      keptHistory[k++] = history[t];
    }
  }
  const trigramStart = groupStarts(keptHistory, bigramCount);
  // A history whose children were all pruned backs off with weight exactly 1, which is what an
  // unseen history does; keeping its pruned count would only make two equal models differ.
  for (let t = 0; t < counts.length; t++) {
    const h = history[t];
    if (counts[t] < minCount && trigramStart[h + 1] > trigramStart[h]) trigramPruned[h]++;
  }
  return { trigramStart, trigramWords, trigramCounts, trigramPruned };
}
