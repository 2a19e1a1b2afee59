/**
 * What `lab.scoreMany` returns when it streams an (async) iterable of texts to an `output` file:
 * counts and corpus totals only — nothing per text is kept, so memory stays flat however long the
 * corpus is; every text's result (or error) is in the file.
 *
 * @example
 * const report = await lab.scoreMany(readLines("corpus.txt"), { output: "scores.arrow" });
 * `${report.done} scored, ${report.failed} failed, corpus perplexity ${report.perplexity}`
 */
export interface ScoreManyReport {
  /** The output file. */
  output: string;
  format: "jsonl" | "arrow";
  /** Texts read from the source. */
  total: number;
  /** Texts scored (their records are in the file). */
  done: number;
  /** Texts that failed (their error records are in the file too). */
  failed: number;
  /** Scored tokens over all scored texts. */
  tokenCount: number;
  /** Σ logprob over all scored tokens, nats. */
  totalLogprob: number;
  /** UTF-8 bytes of all scored tokens. */
  byteCount: number;
  /** Token-weighted corpus perplexity: exp(−totalLogprob / tokenCount). */
  perplexity: number;
  /** Σ NLL / (ln 2 · byteCount). */
  bitsPerByte: number;
  elapsedMs: number;
}
