import { summarize } from "./summary.js";
import type { TokenLogprob } from "./token-logprob.js";

/** A scored document: its canonical rows (a `LogprobResult` is one). */
export interface ScoredRows {
  readonly rows: readonly TokenLogprob[];
}

/** A scored document with its text (a `LogprobResult` is one). */
export interface ScoredText extends ScoredRows {
  readonly text: string;
}

function totals(results: Iterable<ScoredRows>): { nll: number; tokens: number; bytes: number } {
  let nll = 0;
  let tokens = 0;
  let bytes = 0;
  for (const r of results) {
    const s = summarize(r.rows);
    nll -= s.totalLogprob;
    tokens += s.tokenCount;
    bytes += s.byteCount;
  }
  return { nll, tokens, bytes };
}

/**
 * Token-weighted (micro) corpus perplexity: exp(Σ NLL over all documents / Σ scored tokens), so a
 * long document weighs more than a short one — the number lm-eval and the HF guide report. NaN
 * when nothing was scored.
 *
 * @example
 * corpusPerplexity([a, b]) // exp((nll_a + nll_b) / (n_a + n_b))
 */
export function corpusPerplexity(results: Iterable<ScoredRows>): number {
  const t = totals(results);
  return t.tokens > 0 ? Math.exp(t.nll / t.tokens) : Number.NaN;
}

/** Each document's perplexity and their plain (macro) mean. */
export interface PerDocumentPerplexity {
  /** exp(mean NLL) of each document, in input order (NaN for a document with nothing scored). */
  perDocument: number[];
  /** "Mean per-document PPL" (what `evaluate`'s `mean_perplexity` reports): the unweighted mean over documents with a scored token. Not the corpus perplexity. */
  mean: number;
}

/**
 * Per-document perplexities and their unweighted mean, named so it is not mistaken for the
 * token-weighted `corpusPerplexity` (the two differ whenever documents differ in length).
 *
 * @example
 * perDocumentPerplexity([a, b]).mean
 */
export function perDocumentPerplexity(results: Iterable<ScoredRows>): PerDocumentPerplexity {
  const perDocument = [...results].map((r) => summarize(r.rows).perplexity);
  const scored = perDocument.filter((p) => !Number.isNaN(p));
  return {
    perDocument,
    mean: scored.length > 0 ? scored.reduce((s, p) => s + p, 0) / scored.length : Number.NaN,
  };
}

/**
 * Corpus bits per byte: Σ NLL / (ln 2 · Σ UTF-8 bytes of the scored tokens), comparable across
 * tokenizers (lm-eval's `bits_per_byte`).
 *
 * @example
 * bitsPerByte([a, b]) // 0.59
 */
export function bitsPerByte(results: Iterable<ScoredRows>): number {
  const t = totals(results);
  return t.bytes > 0 ? t.nll / (Math.LN2 * t.bytes) : Number.NaN;
}

/**
 * Corpus byte perplexity: 2^(bits per byte) (lm-eval's `byte_perplexity`).
 *
 * @example
 * bytePerplexity([a]) // 1.5016 when bitsPerByte is 0.5865
 */
export function bytePerplexity(results: Iterable<ScoredRows>): number {
  return 2 ** bitsPerByte(results);
}

/**
 * Words as lm-eval counts them for `word_perplexity`: whitespace-separated runs (`re.split(r"\s+")`),
 * except that leading or trailing whitespace does not add an empty "word" as Python's split does.
 *
 * @example
 * whitespaceWordCount(" The cat  sat.\n") // 3
 */
export function whitespaceWordCount(text: string): number {
  // A loop rather than split(/\s+/): no array of words for every text scored.
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isWhitespace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** What `\s` matches (ECMAScript WhiteSpace and LineTerminator), by UTF-16 code unit. */
function isWhitespace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Corpus word perplexity: exp(Σ NLL over all scored tokens / Σ whitespace words of the texts)
 * (lm-eval's `word_perplexity`), comparable across tokenizers. NaN without words.
 *
 * @example
 * wordPerplexity([result]) // exp(-result.summary.totalLogprob / 5) for a five-word text
 */
export function wordPerplexity(results: Iterable<ScoredText>): number {
  const list = [...results];
  const words = list.reduce((n, r) => n + whitespaceWordCount(r.text), 0);
  const t = totals(list);
  return words > 0 ? Math.exp(t.nll / words) : Number.NaN;
}

/**
 * Running Σ logprob (nats) over the scored positions up to each row: the log-probability of the
 * sequence so far. Null at a row whose own logprob is unknown (position 0); an unknown position
 * adds nothing, as in `summary.totalLogprob`, so the last value equals it.
 *
 * @example
 * cumulativeLogprob(result.rows) // [null, -2.1, -3.4, …]
 */
export function cumulativeLogprob(rows: readonly Pick<TokenLogprob, "logprob">[]): (number | null)[] {
  let total = 0;
  return rows.map((row) => {
    if (row.logprob === null) return null;
    total += row.logprob;
    return total;
  });
}
