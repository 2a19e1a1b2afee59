import { UsageError } from "../../errors.js";

/**
 * How long texts are cut into requests (see `planWindows`).
 *
 * @example
 * await lab.score(longText, { maxContext: 1024, stride: 512 });
 */
export interface WindowOptions {
  /**
   * The model's context length in tokens: one request's prompt plus the one token the API makes us
   * generate. A window therefore holds at most `maxContext - 1` prompt tokens, and a token is scored
   * with at most `maxContext - 2` tokens of context. Default: the server's `max_model_len` as
   * `/tokenize` reports it, else 2048.
   */
  maxContext?: number;
  /**
   * New tokens scored per window after the first (`mode: "strided"`): each window's other
   * `window - stride` tokens are context. Default: half the window (Hugging Face's 512 of 1024).
   */
  stride?: number;
  /**
   * "strided" (default): Hugging Face's sliding window, every token with at least
   * `window - stride` tokens of context. "disjoint": lm-evaluation-harness's rolling windows
   * (`context_len = 1`): each window scores `window - 1` new tokens, the first of them after just
   * one token of context (the last window holds a full window ending at the text's end) — fewer
   * requests, and a higher perplexity.
   */
  mode?: "strided" | "disjoint";
}

/**
 * Options of `lab.score`.
 *
 * @example
 * await lab.score(text, { topK: 5, cache: ".logprob-cache" });
 */
export interface ScoreOptions extends WindowOptions {
  /** Alternatives per position, 0..20 (default 5). The actual token is always scored. */
  topK?: number;
  /**
   * A directory for the on-disk response cache (opt-in; default off): answers are stored by
   * sha256 of (URL, model, request body), so a re-run sends nothing twice.
   */
  cache?: string | false;
  signal?: AbortSignal;
}

/**
 * Options of `lab.scoreContinuation` and `lab.compareChoices`: as `score`, with `topK` ≥ 1 because
 * `isGreedy` needs the top-1 at every position.
 *
 * @example
 * await lab.scoreContinuation("The cat sat on the", " mat", { topK: 1 });
 */
export interface ContinuationOptions extends ScoreOptions {}

/** The context length used when the server does not say (vLLM's `/tokenize` reports `max_model_len`). */
export const DEFAULT_MAX_CONTEXT = 2048;

/**
 * The window (prompt tokens per request) and stride the options ask for, checked.
 *
 * @example
 * resolveWindow({ maxContext: 1025 }, undefined) // { window: 1024, stride: 512, fullLastWindow: false }
 */
export function resolveWindow(
  options: WindowOptions,
  serverMaxContext: number | undefined,
): { window: number; stride: number; fullLastWindow: boolean } {
  const maxContext = options.maxContext ?? serverMaxContext ?? DEFAULT_MAX_CONTEXT;
  if (!Number.isInteger(maxContext) || maxContext < 3) {
    throw new UsageError(
      `maxContext must be a whole number of tokens ≥ 3 (a window of 2 prompt tokens plus the generated one); got ${maxContext}`,
    );
  }
  const window = maxContext - 1;
  const mode = options.mode ?? "strided";
  if (mode !== "strided" && mode !== "disjoint") {
    throw new UsageError(`mode must be "strided" or "disjoint"; got ${JSON.stringify(mode)}`);
  }
  if (mode === "disjoint") {
    if (options.stride !== undefined && options.stride !== window - 1) {
      throw new UsageError(
        `mode "disjoint" sets the stride to the window minus one (${window - 1}); leave stride out or use mode "strided"`,
      );
    }
    return { window, stride: window - 1, fullLastWindow: true };
  }
  const stride = options.stride ?? Math.max(1, Math.floor(window / 2));
  if (!Number.isInteger(stride) || stride < 1 || stride > window - 1) {
    throw new UsageError(
      `stride must be a whole number from 1 to ${window - 1} (maxContext ${maxContext} leaves windows of ${window} prompt tokens); got ${stride}`,
    );
  }
  return { window, stride, fullLastWindow: false };
}

/**
 * `topK` checked: an integer 0..20 (vLLM's default `--max-logprobs`), at least `min`.
 *
 * @example
 * resolveTopK(undefined, 1) // 5
 */
export function resolveTopK(topK: number | undefined, min = 0): number {
  const k = topK ?? 5;
  if (!Number.isInteger(k) || k < min || k > 20) {
    const why = min > 0 ? " (isGreedy needs the top-1 at every position)" : "";
    throw new UsageError(`topK must be an integer from ${min} to 20${why}; got ${topK}`);
  }
  return k;
}
