import type { LanguageModel } from "./language-model.js";
import type { Tokenizer } from "./tokenizer.js";

/**
 * What the embedded server serves: a language model, its tokenizer and the server limits.
 *
 * @example
 * const engine: Engine = { model, tokenizer, maxModelLen: 8192, maxLogprobs: 20 };
 */
export interface Engine {
  model: LanguageModel;
  tokenizer: Tokenizer;
  /** Context window in tokens (prompt + completion). */
  maxModelLen: number;
  /** Upper bound of `logprobs` / `prompt_logprobs` / `top_logprobs`, vLLM's `--max-logprobs` (default 20). */
  maxLogprobs: number;
}
