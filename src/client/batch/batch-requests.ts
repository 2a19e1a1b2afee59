import { UsageError } from "../../errors.js";
import type { BatchRequestLine } from "../../providers/openai-batch-schema.js";
import { chatPromptLogprobsRequest } from "../../providers/vllm-chat-prompt.js";
import { promptLogprobsRequest } from "../../providers/vllm-completions.js";

/**
 * Options of `batchRequests` and `lab.exportBatch`.
 *
 * @example
 * const options: BatchRequestOptions = { model: "llama-8b", topK: 5, customId: (i) => `doc-${i}` };
 */
export interface BatchRequestOptions {
  /** The model named in every body (`lab.exportBatch` uses the lab's). */
  model: string;
  /** Alternatives per position, 0..20 (default 5). */
  topK?: number;
  /** The `custom_id` of the text at `index` (default `text-<index>`); must be unique in the file. */
  customId?: (index: number, text: string) => string;
  /**
   * Which route the lines call (default `"completions"`): `/v1/completions` with `prompt`, or
   * `"chat"`: `/v1/chat/completions` with the text as the one message and a pass-through
   * `chat_template` (`chatPromptLogprobsRequest`), the only generating route `vllm run-batch`
   * serves. Both score the same tokens (BOS + the text). vLLM ≥ 0.11 refuses a request
   * `chat_template` unless started with `--trust-request-chat-template` (see
   * `chatPromptLogprobsRequest` for `vllm run-batch`).
   */
  endpoint?: "completions" | "chat";
}

/**
 * The default `custom_id` of the text at `index`.
 *
 * @example
 * defaultCustomId(3) // "text-3"
 */
export const defaultCustomId = (index: number): string => `text-${index}`;

/**
 * One OpenAI-Batch request line per text (`{ custom_id, method: "POST", url: "/v1/completions",
 * body }`, or a chat line with `endpoint: "chat"`), the body exactly what `lab.promptLogprobs`
 * sends to score the text in one request:
 * `prompt` (the text), `max_tokens: 1` (the hosted API requires ≥ 1; the token is ignored),
 * `temperature: 0`, `prompt_logprobs: topK` and `return_token_ids: true`, so every position's
 * actual token is known by id when the answers are loaded (`loadBatchResults`). Pure: texts are
 * read lazily, one line made per text. A batch scores each text in one request, so each must fit
 * the model's context (`lab.score` slides windows over longer texts).
 *
 * Which executors accept `/v1/completions` lines: `runBatch` / `logprob-lab batch run` against vLLM
 * servers, or another OpenAI-Batch-compatible runner in front of vLLM (such as LiteLLM's). vLLM's
 * own `vllm run-batch` serves only `/v1/chat/completions` (and embeddings, score, rerank) lines:
 * export with `endpoint: "chat"` for it; from vLLM 0.11 on, its chat server must trust request chat
 * templates (`--trust-request-chat-template`), else every line fails with a 400 that
 * `loadBatchResults` explains.
 *
 * @example
 * for await (const line of batchRequests(["The cat sat.", "A dog ran."], { model: "llama-8b" })) {
 *   out.write(`${JSON.stringify(line)}\n`);
 * }
 */
export async function* batchRequests(
  texts: Iterable<string> | AsyncIterable<string>,
  options: BatchRequestOptions,
): AsyncGenerator<BatchRequestLine> {
  if (typeof options?.model !== "string" || options.model === "") {
    throw new UsageError('batchRequests needs the model to name in every request: { model: "llama-8b" }.');
  }
  const topK = options.topK ?? 5;
  const endpoint = options.endpoint ?? "completions";
  if (endpoint !== "completions" && endpoint !== "chat") {
    throw new UsageError(`endpoint must be "completions" or "chat", got ${JSON.stringify(endpoint)}.`);
  }
  const customId = options.customId ?? defaultCustomId;
  const seen = new Set<string>();
  let index = 0;
  for await (const text of texts) {
    if (typeof text !== "string" || text.length === 0) {
      throw new UsageError(`text ${index} is not a non-empty string; a batch line needs text to score.`);
    }
    const id = customId(index, text);
    if (typeof id !== "string" || id === "" || seen.has(id)) {
      throw new UsageError(`custom_id ${JSON.stringify(id)} of text ${index} is empty or not unique.`);
    }
    seen.add(id);
    const model = options.model;
    yield endpoint === "chat"
      ? {
          custom_id: id,
          method: "POST",
          url: "/v1/chat/completions",
          body: chatPromptLogprobsRequest(text, { model, topK }),
        }
      : {
          custom_id: id,
          method: "POST",
          url: "/v1/completions",
          body: promptLogprobsRequest(text, { model, topK }),
        };
    index++;
  }
}
