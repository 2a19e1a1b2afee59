import { inspect } from "node:util";
import * as aq from "arquero";
import { type RowWithoutOffsets, textOffsets } from "./core/assemble-text.js";
import { whitespaceWordCount } from "./core/corpus.js";
import { type Summary, summarize } from "./core/summary.js";
import { type PositionRow, TokenColumns } from "./core/token-columns.js";
import type { IdentificationMethod, TokenLogprob } from "./core/token-logprob.js";
import { type WordSpanOptions, wordSpans } from "./core/words.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./display/mime-bundle.js";
import { type ReportOptions, reportHtml } from "./display/report.js";
import { resultNotebookHtml, resultPageHtml, summaryLine } from "./display/result-html.js";
import { alternativesTableOf, type PlacedPosition, type Table, tokensTableOf } from "./table/tokens-table.js";

/** Where a result came from. */
export interface ResultSource {
  dialect: string;
  model?: string;
  /** How the actual token at each prompt position was identified. */
  method: IdentificationMethod;
  /** A captured stream that stopped early: the rows it holds, nothing invented. */
  incomplete?: boolean;
}

/** `r.summary`: the sequence totals plus word-level ones. */
export interface ResultSummary extends Summary {
  /** Whitespace-separated words of `text` (lm-eval's `word_perplexity` divisor; may differ from `r.words()`'s row count, e.g. for CJK). */
  wordCount: number;
  /** exp(−totalLogprob / wordCount): comparable across tokenizers; NaN without words. */
  wordPerplexity: number;
}

/**
 * The logprobs of one sequence (prompt and generated positions, in order) in canonical rows,
 * with tables, totals and displays built from them.
 *
 * @example
 * const r = await lab.promptLogprobs("The capital of France is", { topK: 5 });
 * r.tokens.objects()[1]; r.summary.perplexity; show(r);
 */
export class LogprobResult {
  /** The text of the sequence, rebuilt from the tokens (special tokens add none). */
  readonly text: string;
  readonly summary: ResultSummary;
  readonly dialect: string;
  readonly model: string | undefined;
  readonly method: IdentificationMethod;
  readonly incomplete: boolean;
  // The sequence is kept as columns; `rows` are built from them the first time they are asked for.
  readonly #columns: TokenColumns;
  #rows: TokenLogprob[] | undefined;
  #tokens: Table | undefined;
  #alternatives: Table | undefined;

  /**
   * @param rows The sequence's rows, or the same as `TokenColumns` (what the parsers of large bodies build).
   * @param source Where it came from.
   */
  constructor(rows: readonly RowWithoutOffsets[] | TokenColumns, source: ResultSource) {
    const columns = rows instanceof TokenColumns ? rows : TokenColumns.fromRows(rows);
    const positions = columns.positions;
    const { text, charStart, charEnd } = textOffsets(positions);
    this.text = text;
    // Offsets set in place rather than on copies: scoreMany keeps thousands of results.
    for (let i = 0; i < positions.length; i++) {
      const position = positions[i] as PositionRow;
      position.charStart = charStart[i] as number;
      position.charEnd = charEnd[i] as number;
    }
    this.#columns = columns;
    const summary = summarize(this.#positions);
    const wordCount = whitespaceWordCount(text);
    this.summary = {
      tokenCount: summary.tokenCount,
      positionCount: summary.positionCount,
      totalLogprob: summary.totalLogprob,
      meanLogprob: summary.meanLogprob,
      perplexity: summary.perplexity,
      bitsPerByte: summary.bitsPerByte,
      byteCount: summary.byteCount,
      charCount: summary.charCount,
      wordCount,
      wordPerplexity: wordCount > 0 ? Math.exp(-summary.totalLogprob / wordCount) : Number.NaN,
    };
    this.dialect = source.dialect;
    this.model = source.model;
    this.method = source.method;
    this.incomplete = source.incomplete ?? false;
  }

  /** The position rows, their offsets set by the constructor. */
  get #positions(): readonly PlacedPosition[] {
    return this.#columns.positions as readonly PlacedPosition[];
  }

  /** Canonical rows, one per position. */
  get rows(): readonly TokenLogprob[] {
    this.#rows ??= this.#positions.map((position, i) => ({
      ...position,
      alternatives: this.#columns.alternativesAt(i),
    }));
    return this.#rows;
  }

  /** One row per position (arquero table; `.objects()` gives plain rows). */
  get tokens(): Table {
    this.#tokens ??= tokensTableOf(this.#positions, this.#columns.alternatives);
    return this.#tokens;
  }

  /** One row per (position, reported alternative). */
  get alternatives(): Table {
    this.#alternatives ??= alternativesTableOf(this.#positions, this.#columns.alternatives);
    return this.#alternatives;
  }

  /**
   * One row per word of `text`: start, end (UTF-16 offsets), text, logprob (Σ of the word's
   * tokens, nats), surprisal_bits, token_count, positions. See `wordSpans` for how tokens and
   * punctuation are assigned; pass `segmenter` for your own word boundaries.
   *
   * @example
   * r.words().objects().map((w) => [w.text, w.surprisal_bits])
   */
  words(options: WordSpanOptions = {}): Table {
    const spans = wordSpans(this.rows, this.text, options);
    return aq.table({
      start: spans.map((w) => w.start),
      end: spans.map((w) => w.end),
      text: spans.map((w) => w.text),
      logprob: spans.map((w) => w.logprob),
      surprisal_bits: spans.map((w) => w.surprisalBits),
      token_count: spans.map((w) => w.tokenCount),
      positions: spans.map((w) => w.positions),
    });
  }

  /** A standalone, offline HTML page: totals, surprisal chart, token table. */
  toHTML(): string {
    return resultPageHtml(this);
  }

  /** The full offline report (`npx logprob-lab report` writes the same): every section of `reportHtml`. */
  toReport(options?: ReportOptions): string {
    return reportHtml(this, options);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": resultNotebookHtml(this), "text/plain": this.describe() };
  }

  [inspect.custom](): string {
    return this.describe();
  }

  private describe(): string {
    const text = this.text.length > 60 ? `${this.text.slice(0, 57)}...` : this.text;
    return `LogprobResult ${JSON.stringify(text)} (${this.model ?? this.dialect}, ${this.method})\n${summaryLine(this.summary)}`;
  }
}
