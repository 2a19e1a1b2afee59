import { createCompletionsStreamParser } from "./completions-stream.js";
import { createDevupStreamParser, parseDevupResponse } from "./devup.js";
import { createLlamaCppStreamParser, parseLlamaCppCompletion } from "./llamacpp.js";
import { createOllamaStreamParser, parseOllama } from "./ollama.js";
import { createOpenAIChatStreamParser, parseOpenAIChat } from "./openai-chat.js";
import type { Dialect, ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { parseTgiGenerate } from "./tgi.js";
import { createTgiStreamParser } from "./tgi-stream.js";
import { parseVllmCompletion } from "./vllm-completions.js";

/** What every dialect's parser may use from the caller. */
export interface ParseHints {
  /** The prompt text (helps find actual tokens, repairs display text). */
  prompt?: string;
  /** The prompt's token ids (from `/tokenize`). */
  promptTokenIds?: readonly number[];
  /** Which choice / sequence to read (default 0). */
  choice?: number;
  /** The model the request named, for dialects whose bodies do not say. */
  model?: string;
  /** Prompt logprobs were requested (TGI: an empty prefill is then an error). */
  promptLogprobs?: boolean;
  /** Keep generated positions (default true). */
  includeGenerated?: boolean;
}

interface DialectParsers {
  parse(body: unknown, hints: ParseHints): ParsedSequence;
  stream(hints: ParseHints): StreamParser;
  /** How its streams are framed. */
  framing: "sse" | "ndjson";
}

/**
 * Parsers for every dialect: a whole body, and an incremental stream parser.
 *
 * @example
 * DIALECTS["openai-chat"].parse(body, {}).rows
 */
export const DIALECTS: Record<Dialect, DialectParsers> = {
  "vllm-completions": {
    parse: (body, h) => parseVllmCompletion(body, h),
    stream: (h) => createCompletionsStreamParser({ choice: h.choice, prompt: h.prompt }),
    framing: "sse",
  },
  "openai-chat": {
    parse: (body, h) => parseOpenAIChat(body, { choice: h.choice, promptTokenIds: h.promptTokenIds }),
    stream: (h) => createOpenAIChatStreamParser({ choice: h.choice }),
    framing: "sse",
  },
  tgi: {
    parse: (body, h) => parseTgiGenerate(body, { ...h, sequence: h.choice }),
    stream: (h) => createTgiStreamParser({ ...h }),
    framing: "sse",
  },
  devup: {
    parse: (body, h) => parseDevupResponse(body, { ...h, result: h.choice }),
    stream: (h) => createDevupStreamParser({ ...h }),
    framing: "sse",
  },
  llamacpp: {
    parse: (body, h) => parseLlamaCppCompletion(body, { index: h.choice }),
    stream: () => createLlamaCppStreamParser(),
    framing: "sse",
  },
  ollama: {
    parse: (body) => parseOllama(body),
    stream: () => createOllamaStreamParser(),
    framing: "ndjson",
  },
};

/**
 * The dialect a response body or stream event comes from, by the keys only that dialect sends;
 * undefined when nothing matches.
 *
 * @example
 * detectDialect({ object: "chat.completion", choices: [] }) // "openai-chat"
 */
export function detectDialect(value: unknown): Dialect | undefined {
  if (Array.isArray(value))
    return value.length > 0 && isObject(value[0]) && "generated_text" in value[0] ? "tgi" : undefined;
  if (!isObject(value)) return undefined;
  const object = typeof value.object === "string" ? value.object : "";
  const choice = Array.isArray(value.choices) && isObject(value.choices[0]) ? value.choices[0] : undefined;
  if (object.startsWith("chat.completion") || (choice && ("message" in choice || "delta" in choice)))
    return "openai-chat";
  if (object === "text_completion" || (choice && "text" in choice)) return "vllm-completions";
  if ("created_at" in value && ("response" in value || "message" in value) && "done" in value)
    return "ollama";
  if ("completion_probabilities" in value || "tokens_predicted" in value || "generation_settings" in value)
    return "llamacpp";
  if ("inference_status" in value || "results" in value) return "devup";
  if (isObject(value.token) && "generated_text" in value)
    return "index" in value || "top_tokens" in value ? "tgi" : "devup";
  if (
    "generated_text" in value ||
    (isObject(value.details) && ("tokens" in value.details || "prefill" in value.details))
  ) {
    return "tgi";
  }
  if (isObject(value) && "content" in value && "stop" in value && typeof value.stop === "boolean")
    return "llamacpp";
  return undefined;
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
