import type { LogprobResult } from "../../result.js";
import type { Provider } from "../endpoint-config.js";
import type { JsonPoster } from "./json-poster.js";

/**
 * What the scoring functions need from a `Lab`: where to post (possibly through the response
 * cache), the model, whether `/tokenize` answers (shared by the lab's calls), and the lab's
 * one-request prompt scoring, used when the text cannot be tokenized first.
 *
 * @example
 * const endpoint: ScoringEndpoint = { provider: "vllm", http, model: "llama-8b", tokenizer: {}, promptLogprobs };
 */
export interface ScoringEndpoint {
  provider: Provider;
  http: JsonPoster;
  model: string;
  /** Whether `/tokenize` answered: undefined until tried, shared by the lab's calls. */
  tokenizer: { available?: boolean };
  /** `lab.promptLogprobs` through `http`: one request with a text prompt. */
  promptLogprobs(text: string, options: { topK: number; signal?: AbortSignal }): Promise<LogprobResult>;
}
