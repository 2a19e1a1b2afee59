import { UsageError } from "../errors.js";

/**
 * One request of a windowed scoring pass: the tokens `[begin, end)` of the whole tokenization are
 * sent as one prompt, and only `[scoreFrom, end)` are scored from it; `[begin, scoreFrom)` are
 * context the model sees but that an earlier window (or nobody) scores.
 *
 * @example
 * const w: ScoringWindow = { begin: 0, end: 8, scoreFrom: 1 };
 */
export interface ScoringWindow {
  begin: number;
  end: number;
  scoreFrom: number;
}

/**
 * Options of `planWindows`.
 *
 * @example
 * const options: WindowPlanOptions = { window: 1024, stride: 512 };
 */
export interface WindowPlanOptions {
  /** The most tokens one request may hold (≥ 2). */
  window: number;
  /** New tokens each window after the first scores, 1..window-1; `window - stride` is the overlap. */
  stride: number;
  /** The first token to score (default 1: token 0 has nothing before it and is never scored). */
  firstScored?: number;
  /**
   * Let the last window hold a full `window` tokens, ending at the text's end, so its tokens get
   * more context (lm-eval's rolling windows do); default false, Hugging Face's loop, where the
   * last window starts `stride` after the one before.
   */
  fullLastWindow?: boolean;
}

/**
 * Plans the strided sliding windows of Hugging Face's "Perplexity of fixed-length models": the first
 * window holds the first `window` tokens and scores all but token 0; each later window moves on by
 * `stride` tokens and scores only the `stride` tokens no earlier window scored, the `window - stride`
 * before them being context. So every token is scored exactly once, with at least
 * `min(window - stride, its index)` tokens of context and at most `window - 1`. With
 * `stride = window - 1` and `fullLastWindow` this is lm-evaluation-harness's disjoint rolling
 * windows (`get_rolling_token_windows` with `context_len = 1` and `make_disjoint_window`): each
 * window's first new token sees only the token before it, except in the last window, which holds
 * a full window ending at the text's end.
 *
 * With `firstScored = f > 1` (a continuation after a context), the first window ends at
 * `min(n, max(window, f + stride))`: a continuation of at most `stride` tokens is scored in one
 * window holding the last `window` tokens, the context cut on the left — lm-eval's truncation.
 * Token i scored by window w had `i - w.begin` tokens of context.
 *
 * @example
 * planWindows(10, { window: 4, stride: 2 })
 * // [{ begin: 0, end: 4, scoreFrom: 1 }, { begin: 2, end: 6, scoreFrom: 4 },
 * //  { begin: 4, end: 8, scoreFrom: 6 }, { begin: 6, end: 10, scoreFrom: 8 }]
 */
export function planWindows(tokenCount: number, options: WindowPlanOptions): ScoringWindow[] {
  const { window, stride } = options;
  const firstScored = options.firstScored ?? 1;
  if (!Number.isInteger(tokenCount) || tokenCount < 0) {
    throw new UsageError(`tokenCount must be a whole number ≥ 0; got ${tokenCount}`);
  }
  if (!Number.isInteger(window) || window < 2) {
    throw new UsageError(`a scoring window must hold at least 2 tokens; got ${window}`);
  }
  if (!Number.isInteger(stride) || stride < 1 || stride > window - 1) {
    throw new UsageError(
      `stride must be a whole number from 1 to ${window - 1} (the window minus one token of context); got ${stride}`,
    );
  }
  if (!Number.isInteger(firstScored) || firstScored < 1) {
    throw new UsageError(
      `firstScored must be a whole number ≥ 1 (token 0 has no context); got ${firstScored}`,
    );
  }
  const overlap = window - stride;
  const windows: ScoringWindow[] = [];
  if (firstScored >= tokenCount) return windows;
  let end = Math.min(tokenCount, Math.max(window, firstScored + stride));
  windows.push({ begin: Math.max(0, end - window), end, scoreFrom: firstScored });
  while (end < tokenCount) {
    let begin = end - overlap;
    const next = Math.min(tokenCount, begin + window);
    if (options.fullLastWindow && next === tokenCount) begin = Math.max(0, tokenCount - window);
    windows.push({ begin, end: next, scoreFrom: end });
    end = next;
  }
  return windows;
}
