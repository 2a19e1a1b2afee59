import type { RowWithoutOffsets } from "../../core/assemble-text.js";
import { isGreedyRun } from "../../core/greedy.js";
import { LogprobResult, type ResultSource } from "../../result.js";

/**
 * The result of `lab.scoreContinuation`: every token of context + continuation as rows, in order,
 * with only the continuation's tokens scored — the context rows are present (so `text` and the
 * tables show the whole sequence) but carry no logprob, rank or alternatives, and `summary` totals
 * the continuation alone. A token that spans the boundary belongs to the continuation. When context
 * + continuation is longer than the model's window, the context is cut on the left (as lm-eval
 * does) and the rows start at the first token sent.
 *
 * @example
 * const r = await lab.scoreContinuation("The capital of France is", " Paris");
 * r.logLikelihood; r.isGreedy; r.rows.slice(r.continuationStart)
 */
export class ContinuationResult extends LogprobResult {
  readonly context: string;
  readonly continuation: string;
  /** Index in `rows` of the first continuation token. */
  readonly continuationStart: number;
  /**
   * The text of the continuation's tokens: the continuation, preceded by whatever characters of the
   * context its first token spans (`" mat"` for "… the ma" + "t").
   */
  readonly coveredText: string;
  /**
   * lm-eval's loglikelihood: Σ logprob of the continuation's tokens, nats; −Infinity when one of
   * them has no known logprob (a `-9999` sentinel).
   */
  readonly logLikelihood: number;
  /** lm-eval's `is_greedy`: every continuation token was the model's top-1. */
  readonly isGreedy: boolean;

  constructor(
    rows: readonly RowWithoutOffsets[],
    source: ResultSource,
    info: { context: string; continuation: string; continuationStart: number },
  ) {
    super(rows, source);
    this.context = info.context;
    this.continuation = info.continuation;
    this.continuationStart = info.continuationStart;
    const tail = this.rows.slice(info.continuationStart);
    this.coveredText = tail.length > 0 ? this.text.slice(tail[0].charStart) : "";
    this.logLikelihood = tail.some((row) => row.logprob === null)
      ? Number.NEGATIVE_INFINITY
      : tail.reduce((sum, row) => sum + row.logprob!, 0);
    this.isGreedy = isGreedyRun(tail);
  }
}
