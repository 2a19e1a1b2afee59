import { inspect } from "node:util";
import { assembleText, type RowWithoutOffsets } from "./core/assemble-text.js";
import { type Summary, summarize } from "./core/summary.js";
import type { IdentificationMethod, TokenLogprob } from "./core/token-logprob.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./display/mime-bundle.js";
import { resultNotebookHtml, resultPageHtml, summaryLine } from "./display/result-html.js";
import { alternativesTable, type Table, tokensTable } from "./table/tokens-table.js";

/** Where a result came from. */
export interface ResultSource {
  dialect: string;
  model?: string;
  /** How the actual token at each prompt position was identified. */
  method: IdentificationMethod;
  /** A captured stream that stopped early: the rows it holds, nothing invented. */
  incomplete?: boolean;
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
  /** Canonical rows, one per position. */
  readonly rows: readonly TokenLogprob[];
  /** The text of the sequence, rebuilt from the tokens (special tokens add none). */
  readonly text: string;
  readonly summary: Summary;
  readonly dialect: string;
  readonly model: string | undefined;
  readonly method: IdentificationMethod;
  readonly incomplete: boolean;
  #tokens: Table | undefined;
  #alternatives: Table | undefined;

  constructor(rows: readonly RowWithoutOffsets[], source: ResultSource) {
    const assembled = assembleText(rows);
    this.rows = assembled.rows;
    this.text = assembled.text;
    this.summary = summarize(assembled.rows);
    this.dialect = source.dialect;
    this.model = source.model;
    this.method = source.method;
    this.incomplete = source.incomplete ?? false;
  }

  /** One row per position (arquero table; `.objects()` gives plain rows). */
  get tokens(): Table {
    this.#tokens ??= tokensTable(this.rows);
    return this.#tokens;
  }

  /** One row per (position, reported alternative). */
  get alternatives(): Table {
    this.#alternatives ??= alternativesTable(this.rows);
    return this.#alternatives;
  }

  /** A standalone, offline HTML page: totals, surprisal chart, token table. */
  toHTML(): string {
    return resultPageHtml(this);
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
