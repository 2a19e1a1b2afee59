import { loadEmbeddedModel } from "./embedded-model.js";
import type { Engine } from "./engine-types.js";
import { loadTokenizer } from "./tokenizer.js";

let engine: Engine | undefined;

/**
 * The embedded model with its tokenizer and vLLM's default limits (context 8192, 20 logprobs),
 * loaded on first use and shared.
 *
 * @example
 * completionsResponse(embeddedEngine(), { prompt: "Hi", max_tokens: 1 })
 */
export function embeddedEngine(): Engine {
  engine ??= { model: loadEmbeddedModel(), tokenizer: loadTokenizer(), maxModelLen: 8192, maxLogprobs: 20 };
  return engine;
}
