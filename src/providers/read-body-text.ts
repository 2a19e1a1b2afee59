import { CHAT_READERS } from "./openai-chat.js";
import { type HotReader, scanBody } from "./scan-body.js";
import type { ScannedBody } from "./scanned-body.js";
import { PROMPT_LOGPROBS_READERS } from "./vllm-completions.js";

/** Every hot field a body of either scanned dialect may hold: vLLM completions' and chat's. */
const ALL_READERS: readonly HotReader[] = [...PROMPT_LOGPROBS_READERS, ...CHAT_READERS];

/**
 * Reads a JSON body's text in one scan with the readers of both scanned dialects (vLLM completions'
 * `prompt_logprobs`; chat's `logprobs.content`/`refusal` and top-level `prompt_logprobs`), before
 * its dialect is known: the dialect is then detected on the small envelope, and
 * `parseVllmCompletion` or `parseOpenAIChat` takes the result. Undefined when the scanner cannot
 * read the text exactly as `JSON.parse` would.
 *
 * @example
 * const scanned = readBodyText(text);
 * if (scanned) DIALECTS[detectDialect(scanned.envelope)].parse(scanned, {})
 */
export function readBodyText(text: string): ScannedBody | undefined {
  return scanBody(text, ALL_READERS);
}
