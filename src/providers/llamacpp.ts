import { UsageError } from "../errors.js";
import { GeneratedStreamParser } from "./generated-stream-parser.js";
import { llamaCppRow } from "./llamacpp-rows.js";
import {
  type LlamaCppCompletion,
  type LlamaCppCompletionRequest,
  llamaCppCompletionSchema,
} from "./llamacpp-schema.js";
import type { ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { validate } from "./validate.js";

/** The dialect name of llama.cpp `/completion` results. */
export const LLAMACPP_DIALECT = "llamacpp" as const;

export interface LlamaCppRequestOptions {
  /** Alternatives per generated token (`n_probs`, ≥ 1; without it llama.cpp sends no probabilities). */
  topK: number;
  /** Tokens to generate (`n_predict`, default 16). */
  maxTokens?: number;
  /**
   * `post_sampling_probs` (default false). False: each token's logprob over the whole vocabulary,
   * before the sampler chain. True: probabilities after the chain (temperature, top-k/p, …), as
   * `prob` / `top_probs`, possibly fewer than `n_probs`.
   */
  postSampling?: boolean;
  /** Reuse the KV cache of an earlier request with the same prefix (`cache_prompt`, default true as the server's). */
  cachePrompt?: boolean;
  stream?: boolean;
  temperature?: number;
  seed?: number;
  stop?: string[];
}

export interface LlamaCppParseOptions {
  /** Which result when several prompts were sent in one request (default 0). */
  index?: number;
}

/**
 * Builds a llama.cpp `POST /completion` body that asks for token probabilities: `n_probs`,
 * `n_predict`, `cache_prompt`, `stream`, and `post_sampling_probs` always explicit so the values'
 * meaning does not depend on the server's defaults. llama.cpp has no prompt logprobs.
 *
 * @example
 * llamaCppCompletionRequest("The capital of France is", { topK: 5, maxTokens: 1 })
 * // { prompt: "The capital of France is", n_predict: 1, n_probs: 5, post_sampling_probs: false, cache_prompt: true, stream: false }
 */
export function llamaCppCompletionRequest(
  prompt: string | number[],
  options: LlamaCppRequestOptions,
): LlamaCppCompletionRequest {
  if (!Number.isInteger(options.topK) || options.topK < 1) {
    throw new UsageError(
      `topK (n_probs) must be an integer ≥ 1; got ${options.topK}. With n_probs 0 llama.cpp returns no probabilities.`,
    );
  }
  const maxTokens = options.maxTokens ?? 16;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new UsageError(`maxTokens (n_predict) must be an integer ≥ 1; got ${maxTokens}.`);
  }
  const body: LlamaCppCompletionRequest = {
    prompt,
    n_predict: maxTokens,
    n_probs: options.topK,
    post_sampling_probs: options.postSampling ?? false,
    cache_prompt: options.cachePrompt ?? true,
    stream: options.stream ?? false,
  };
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.stop !== undefined) body.stop = options.stop;
  return body;
}

/**
 * Parses a llama.cpp `/completion` body into the canonical rows of the generated sequence, from
 * `completion_probabilities` in any of its shapes (see `llamaCppRow`). Rows carry the raw token
 * bytes, so the text and its offsets are rebuilt exactly even where `token` is `""` (a partial
 * UTF-8 character).
 *
 * @example
 * const seq = parseLlamaCppCompletion(body);
 * seq.rows[0].token // " Paris"
 */
export function parseLlamaCppCompletion(body: unknown, options: LlamaCppParseOptions = {}): ParsedSequence {
  // Several prompts in one request come back as an array of bodies.
  const index = options.index ?? 0;
  const count = Array.isArray(body) ? body.length : 1;
  const one = Array.isArray(body) ? body[index] : index === 0 ? body : undefined;
  if (one === undefined)
    throw new UsageError(`result ${index} is not in this body; it has ${count} result(s).`);
  const response = validate(llamaCppCompletionSchema, one, LLAMACPP_DIALECT);
  const entries = response.completion_probabilities ?? response.probs;
  if (!entries) {
    throw new UsageError(
      "this llama.cpp /completion body has no completion_probabilities: send n_probs ≥ 1 " +
        "(llamaCppCompletionRequest does).",
    );
  }
  return {
    rows: entries.map((entry, position) => llamaCppRow(entry, position)),
    method: "generated",
    model: response.model,
    dialect: LLAMACPP_DIALECT,
    finishReason: finishReasonOf(response),
  };
}

/**
 * Why generation stopped: `stop_type` ("eos", "word", "limit"), or the older builds' booleans.
 *
 * @example
 * finishReasonOf({ stopped_eos: true }) // "eos"
 */
export function finishReasonOf(response: LlamaCppCompletion): string | null {
  if (response.stop_type !== undefined) return response.stop_type;
  if (response.stopped_eos) return "eos";
  if (response.stopped_word) return "word";
  if (response.stopped_limit) return "limit";
  return null;
}

/**
 * A `StreamParser` for llama.cpp `/completion` with `stream: true` (`data: {…}` events): partial
 * events (`stop: false`) carry the new token(s)' `completion_probabilities`; the `stop: true` event
 * ends the stream (current builds omit the probabilities there, old builds repeat them all — both
 * give each token once).
 *
 * @example
 * const parser = createLlamaCppStreamParser();
 * parser.push({ content: " Paris", stop: false, completion_probabilities: [{ id: 12366, token: " Paris", bytes: [32, 80, 97, 114, 105, 115], logprob: -0.12, top_logprobs: [] }] });
 */
export function createLlamaCppStreamParser(): StreamParser {
  return new GeneratedStreamParser(LLAMACPP_DIALECT, "in the llama.cpp stream", (payload, seen) => {
    const event = validate(llamaCppCompletionSchema, payload, LLAMACPP_DIALECT);
    let entries = event.completion_probabilities ?? event.probs ?? [];
    // Old builds repeat every token already streamed in the final event; keep only what is new.
    if (event.stop === true) entries = entries.slice(seen);
    return {
      rows: entries.map((entry, i) => llamaCppRow(entry, seen + i)),
      done: event.stop === true,
      finishReason: event.stop === true ? finishReasonOf(event) : null,
      model: event.model ?? undefined,
    };
  });
}
