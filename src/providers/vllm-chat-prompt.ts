import { ResponseShapeError } from "../errors.js";
import type { ChatRequest } from "./chat-request-schema.js";
import { normalizeDecodedTokens } from "./decoded-token-text.js";
import { OPENAI_CHAT_DIALECT, validateChatResponse } from "./openai-chat.js";
import type { ParsedSequence } from "./parsed-sequence.js";
import { checkPromptTopK, promptRows, type VllmParseOptions } from "./vllm-completions.js";

/**
 * A chat template that passes the text through untouched: the tokenizer's BOS, then the first
 * message's content, no role headers. vLLM renders `bos_token` as its text (`<|begin_of_text|>`),
 * which its tokenizer reads back as the one BOS id — as long as `add_special_tokens` stays false
 * (vLLM's chat default), else a second BOS is prepended. The templated prompt is then exactly what
 * `/v1/completions` scores for the same text (BOS + the text's tokens).
 *
 * @example
 * RAW_TEXT_CHAT_TEMPLATE // "{{ bos_token }}{{ messages[0]['content'] }}"
 */
export const RAW_TEXT_CHAT_TEMPLATE = "{{ bos_token }}{{ messages[0]['content'] }}";

/**
 * The `/v1/chat/completions` body that scores a raw text through vLLM's chat route (the only
 * generating route `vllm run-batch` serves): one user message holding the text, the pass-through
 * `chat_template`, `add_generation_prompt: false` and `add_special_tokens: false` (one BOS),
 * `prompt_logprobs: topK` (answered at the top level of the response), `max_tokens: 1`,
 * `temperature: 0`, `return_token_ids: true` (the prompt's ids come back as `prompt_token_ids`).
 *
 * vLLM ≥ 0.11 refuses a request `chat_template` unless the server trusts request templates (400
 * "Chat template is passed with request, but --trust-request-chat-template is not set"): start
 * `vllm serve --trust-request-chat-template`. `vllm run-batch` builds its own chat server; in the
 * versions read for this (vllm run_batch.py as of late 2025) it did not pass that switch on, so
 * check that yours accepts it — else run the file with `runBatch` against trusting servers.
 *
 * @example
 * chatPromptLogprobsRequest("The capital of France is", { model: "llama-8b", topK: 5 }).chat_template
 */
export function chatPromptLogprobsRequest(
  text: string,
  options: { model: string; topK: number },
): ChatRequest {
  checkPromptTopK(options.topK);
  return {
    model: options.model,
    messages: [{ role: "user", content: text }],
    chat_template: RAW_TEXT_CHAT_TEMPLATE,
    add_generation_prompt: false,
    add_special_tokens: false,
    max_tokens: 1,
    temperature: 0,
    prompt_logprobs: options.topK,
    return_token_ids: true,
  };
}

/**
 * Reads the prompt rows of a vLLM chat completion asked with `chatPromptLogprobsRequest`: the
 * top-level `prompt_logprobs` and `prompt_token_ids`, through the same row builder as
 * `/v1/completions` (actual tokens by id, ranks censored beyond `topK`), so a text scored either
 * way gives the same rows. The one generated token is left out.
 *
 * @example
 * const seq = parseVllmChatPrompt(body, { prompt: "The capital of France is", topK: 5 });
 * seq.rows[0].logprob // null (BOS)
 */
export function parseVllmChatPrompt(
  body: unknown,
  options: Pick<VllmParseOptions, "prompt" | "promptTokenIds" | "topK"> = {},
): ParsedSequence {
  const response = validateChatResponse(body);
  if (!response.prompt_logprobs) {
    throw new ResponseShapeError(
      "this chat completion has no top-level prompt_logprobs: send prompt_logprobs (vLLM's extension) to score the prompt",
      { dialect: OPENAI_CHAT_DIALECT, path: "prompt_logprobs" },
    );
  }
  const prompt = promptRows(
    { prompt_logprobs: response.prompt_logprobs, prompt_token_ids: response.prompt_token_ids },
    options,
  );
  return {
    rows: normalizeDecodedTokens(prompt.rows, options.prompt),
    method: prompt.method,
    model: response.model,
    dialect: OPENAI_CHAT_DIALECT,
    finishReason: response.choices[0]?.finish_reason ?? null,
  };
}
