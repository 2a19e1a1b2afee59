import type { PositionQuery } from "./language-model.js";
import type { Tokenizer } from "./tokenizer.js";
import { jsonNumber } from "./vllm-json.js";

/**
 * One `choices[].logprobs.content[]` entry of a chat completion:
 * `{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}`.
 *
 * `top_logprobs` mimics vLLM V1 exactly (reference/wire-formats.md §1.9): the engine's dict holds the
 * sampled token first, then the top-k in rank order (a duplicate of the sampled token updated in
 * place), and the list is the first `k` entries of that dict. So the list starts with the sampled
 * token even when it is not the argmax, and when the sampled token ranks below k the k-th most likely
 * token is dropped. `k = 0` gives `[]`.
 *
 * `bytes` are the token's exact bytes (tokenizer.bytes: a partial UTF-8 token gives its raw bytes,
 * OpenAI's semantics) rather than vLLM's re-encoding of the display string, which turns partial
 * characters into [239, 191, 189].
 *
 * @example
 * chatLogprobEntry(tokenizer, 791, model.query([128000], 791, 2), 2, false)
 * // '{"token":"The","logprob":-2.38…,"bytes":[84,104,101],"top_logprobs":[{"token":"The",…},{…}]}'
 */
export function chatLogprobEntry(
  tokenizer: Tokenizer,
  id: number,
  query: PositionQuery,
  k: number,
  asIds: boolean,
): string {
  const ordered = [{ id, logprob: query.logprob }, ...query.top.filter((alt) => alt.id !== id)];
  const tops = ordered.slice(0, k).map((alt) => tokenJson(tokenizer, alt.id, alt.logprob, asIds));
  return `${tokenJson(tokenizer, id, query.logprob, asIds).slice(0, -1)},"top_logprobs":[${tops.join(",")}]}`;
}

function tokenJson(tokenizer: Tokenizer, id: number, logprob: number, asIds: boolean): string {
  const token = asIds ? `token_id:${id}` : tokenizer.tokenText(id);
  return `{"token":${JSON.stringify(token)},"logprob":${jsonNumber(Math.max(logprob, -9999))},"bytes":[${tokenizer.bytes(id).join(",")}]}`;
}
