import type { TokenLogprob } from "./token-logprob.js";

/** A half-open UTF-16 span `[start, end)` of a text. */
export interface TextSpan {
  start: number;
  end: number;
}

/**
 * Splits a text into words: disjoint UTF-16 spans (any order). What it leaves out (spaces,
 * punctuation) is handled by `wordSpans`.
 *
 * @example
 * const bySpace: Segmenter = (t) => [...t.matchAll(/\S+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
 */
export type Segmenter = (text: string) => TextSpan[];

export interface WordSpanOptions {
  /**
   * Word splitter (default: `Intl.Segmenter(undefined, { granularity: "word" })`, keeping the
   * `isWordLike` segments). Pass one for scripts your runtime's ICU splits poorly, or to match a
   * psycholinguistic corpus's own word list.
   */
  segmenter?: Segmenter;
}

/** One word with the summed log-probability of the tokens assigned to it. */
export interface WordSpan {
  start: number;
  end: number;
  text: string;
  /** Σ logprob (nats) of the word's tokens; null when one is unscored (position 0, unknown) or when no token starts in the word. */
  logprob: number | null;
  /** −logprob / ln 2. */
  surprisalBits: number | null;
  tokenCount: number;
  /** Positions of the tokens assigned to the word. */
  positions: number[];
}

type SpanRow = Pick<TokenLogprob, "position" | "charStart" | "charEnd" | "logprob" | "special">;

const SPACE = /\s/u;

/**
 * Word-like segments of a text by `Intl.Segmenter` (any script the runtime's ICU knows, CJK
 * included); punctuation, symbols and emoji are not word-like and are attached by `wordSpans`.
 *
 * @example
 * defaultSegmenter("Hello, world") // [{ start: 0, end: 5 }, { start: 7, end: 12 }]
 */
export function defaultSegmenter(text: string): TextSpan[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
  const spans: TextSpan[] = [];
  for (const s of segmenter.segment(text)) {
    if (s.isWordLike) spans.push({ start: s.index, end: s.index + s.segment.length });
  }
  return spans;
}

/**
 * Attaches what the segmenter left out: each maximal run of non-space characters outside every
 * word joins the word it touches on its left ("Paris," "Paris)."), else the word it touches on its
 * right ("(Paris", "“Hello"), else becomes a word of its own (a free-standing "—" or emoji), so
 * every visible character, and hence every token's cost, belongs to exactly one word.
 */
function attachPunctuation(text: string, words: readonly TextSpan[]): TextSpan[] {
  const sorted = words
    .filter((w) => w.end > w.start)
    .map((w) => ({ start: w.start, end: w.end }))
    .sort((a, b) => a.start - b.start);
  const runs: TextSpan[] = [];
  let at = 0;
  for (const w of [...sorted, { start: text.length, end: text.length }]) {
    // Gap between the previous word and this one: split it into non-space runs.
    let i = at;
    while (i < w.start) {
      if (SPACE.test(text[i] as string)) {
        i++;
        continue;
      }
      const start = i;
      while (i < w.start && !SPACE.test(text[i] as string)) i++;
      runs.push({ start, end: i });
    }
    at = Math.max(at, w.end);
  }
  // Runs are maximal and whitespace-separated, so each word end/start touches at most one run.
  const byEnd = new Map(sorted.map((w) => [w.end, w]));
  const byStart = new Map(sorted.map((w) => [w.start, w]));
  const standalone: TextSpan[] = [];
  for (const run of runs) {
    const left = byEnd.get(run.start);
    if (left) {
      left.end = run.end;
      continue;
    }
    const right = byStart.get(run.end);
    if (right) {
      right.start = run.start;
      continue;
    }
    standalone.push(run);
  }
  return [...sorted, ...standalone].sort((a, b) => a.start - b.start);
}

/** Index of the word containing `offset`, or -1. Words are sorted and disjoint. */
function wordAt(words: readonly TextSpan[], offset: number): number {
  let lo = 0;
  let hi = words.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const w = words[mid] as TextSpan;
    if (offset < w.start) hi = mid - 1;
    else if (offset >= w.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Index of the first word starting at or after `offset`, or -1. */
function wordFrom(words: readonly TextSpan[], offset: number): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((words[mid] as TextSpan).start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < words.length ? lo : -1;
}

/**
 * Per-word log-probabilities: each word sums the tokens assigned to it, so a word's surprisal is
 * the surprisal of its whole spelling (as psycholinguistic tools compute it). Assignment rule: a
 * token belongs to the word holding its first non-space character, so a token spanning two words
 * (" of the", or a CJK token covering two segmenter words) is counted once, in the first. A token
 * of only whitespace (" ", "\n\n") goes to the next word (its cost is the surprise that a new word
 * or line starts there), or to the last word when none follows. Two tokens that split one UTF-8
 * character share its span and so its word. Special tokens carry no text and join no word.
 * Punctuation and emoji outside the segmenter's words attach as `attachPunctuation` says: to the
 * word they touch on the left, else on the right, else they stand alone.
 *
 * @example
 * wordSpans(result.rows, result.text).map((w) => [w.text, w.surprisalBits])
 */
export function wordSpans(rows: readonly SpanRow[], text: string, options: WordSpanOptions = {}): WordSpan[] {
  const words = attachPunctuation(text, (options.segmenter ?? defaultSegmenter)(text));
  const assigned: SpanRow[][] = words.map(() => []);
  for (const row of rows) {
    if (row.special) continue;
    let anchor = -1;
    for (let i = row.charStart; i < row.charEnd; i++) {
      if (!SPACE.test(text[i] as string)) {
        anchor = i;
        break;
      }
    }
    let w = anchor >= 0 ? wordAt(words, anchor) : -1;
    if (w < 0) w = wordFrom(words, anchor >= 0 ? anchor : row.charStart);
    if (w < 0) w = words.length - 1;
    if (w < 0) continue;
    (assigned[w] as SpanRow[]).push(row);
  }
  return words.map((word, i) => {
    const tokens = assigned[i] as SpanRow[];
    const unscored = tokens.length === 0 || tokens.some((t) => t.logprob === null);
    const logprob = unscored ? null : tokens.reduce((s, t) => s + (t.logprob as number), 0);
    return {
      start: word.start,
      end: word.end,
      text: text.slice(word.start, word.end),
      logprob,
      surprisalBits: logprob === null ? null : -logprob / Math.LN2,
      tokenCount: tokens.length,
      positions: tokens.map((t) => t.position),
    };
  });
}

/**
 * Σ logprob (nats) of every non-special token whose span overlaps `[start, end)`, a token
 * straddling an edge counting in full (the `surprisal` library's character-span rule). Null when
 * no token overlaps or one of them is unscored.
 *
 * @example
 * spanLogprob(result.rows, 4, 11) // logprob of "capital" including its leading-space token
 */
export function spanLogprob(rows: readonly SpanRow[], start: number, end: number): number | null {
  let total = 0;
  let count = 0;
  for (const row of rows) {
    if (row.special || row.charEnd <= row.charStart) continue;
    if (row.charStart >= end || row.charEnd <= start) continue;
    if (row.logprob === null) return null;
    total += row.logprob;
    count++;
  }
  return count > 0 ? total : null;
}
