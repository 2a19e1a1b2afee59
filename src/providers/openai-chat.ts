import { TokenColumns } from "../core/token-columns.js";
import { UsageError } from "../errors.js";
import { acceptsChatTokenLogprobs } from "./accepts-chat-token-logprobs.js";
import { acceptsPromptLogprobs } from "./accepts-prompt-logprobs.js";
import { chatColumns } from "./chat-columns.js";
import {
  type ChatLogprobEntries,
  chatLogprobEntries,
  joinChatLogprobEntries,
} from "./chat-logprob-entries.js";
import type { ChatMessage, ChatRequest } from "./chat-request-schema.js";
import { GeneratedStreamParser } from "./generated-stream-parser.js";
import {
  type ChatLogprobs,
  type ChatResponse,
  chatChunkSchema,
  chatResponseSchema,
} from "./openai-chat-schema.js";
import { columnSequence, type ParsedSequence, type StreamParser } from "./parsed-sequence.js";
import type { PromptLogprobEntries } from "./prompt-logprob-entries.js";
import { type HotReader, scanBody } from "./scan-body.js";
import { chatLogprobsReader } from "./scan-chat-logprobs.js";
import { promptLogprobsReader } from "./scan-prompt-logprobs.js";
import { ScannedBody } from "./scanned-body.js";
import { type HotField, validate, validateFast } from "./validate.js";
import { promptColumns } from "./vllm-completions.js";

/**
 * The dialect name of chat completions (OpenAI and vLLM alike) in `ParsedSequence.dialect`.
 *
 * @example
 * parseOpenAIChat(body).dialect === OPENAI_CHAT_DIALECT // true
 */
export const OPENAI_CHAT_DIALECT = "openai-chat" as const;

/**
 * Options of `chatRequest`.
 *
 * @example
 * const options: ChatRequestOptions = { model: "gpt-4o-mini", topLogprobs: 5, maxTokens: 16, stream: true };
 */
export interface ChatRequestOptions {
  model?: string;
  /** Alternatives reported per position, 0..20 (OpenAI's limit and vLLM's default); default 5. */
  topLogprobs?: number;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Completions to sample; parse one with `{ choice }`. */
  n?: number;
  /** Stream the answer as `chat.completion.chunk`s, with a final usage chunk. */
  stream?: boolean;
  /**
   * vLLM only (OpenAI rejects it): logprobs of the templated prompt's tokens with this many
   * alternatives, and `return_token_ids` so the actual tokens come back by id. Not with `stream`.
   */
  promptLogprobs?: number;
}

/**
 * Builds a `/v1/chat/completions` body that asks for the logprob of every generated token and its
 * top alternatives (`logprobs: true`, `top_logprobs`). A string is one user message.
 *
 * @example
 * chatRequest([{ role: "user", content: "Name a colour." }], { model: "gpt-4o-mini", topLogprobs: 5, maxTokens: 8 })
 */
export function chatRequest(
  messages: string | readonly ChatMessage[],
  options: ChatRequestOptions = {},
): ChatRequest {
  const list: ChatMessage[] =
    typeof messages === "string" ? [{ role: "user", content: messages }] : [...messages];
  if (list.length === 0)
    throw new UsageError('chat needs at least one message, e.g. [{ role: "user", content: "Hi" }].');
  list.forEach((message, i) => {
    if (
      !message ||
      typeof message.role !== "string" ||
      message.role === "" ||
      message.content === undefined
    ) {
      throw new UsageError(`message ${i} needs a role and a content, e.g. { role: "user", content: "Hi" }.`);
    }
  });
  const topLogprobs = options.topLogprobs ?? 5;
  checkInteger("topLogprobs", topLogprobs, 0, 20, " (the servers' limit)");
  const body: ChatRequest = { messages: list, logprobs: true, top_logprobs: topLogprobs };
  if (options.model !== undefined) body.model = options.model;
  if (options.maxTokens !== undefined) {
    checkInteger("maxTokens", options.maxTokens, 1, Number.MAX_SAFE_INTEGER);
    body.max_tokens = options.maxTokens;
  }
  if (options.temperature !== undefined) {
    if (!Number.isFinite(options.temperature) || options.temperature < 0) {
      throw new UsageError(`temperature must be a number ≥ 0; got ${options.temperature}`);
    }
    body.temperature = options.temperature;
  }
  if (options.seed !== undefined) {
    checkInteger("seed", options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    body.seed = options.seed;
  }
  if (options.n !== undefined) {
    checkInteger("n", options.n, 1, 128);
    body.n = options.n;
  }
  if (options.promptLogprobs !== undefined) {
    checkInteger("promptLogprobs", options.promptLogprobs, 0, 20, " (vLLM's default limit)");
    if (options.stream) {
      throw new UsageError(
        "promptLogprobs cannot be streamed (vLLM refuses it); drop stream or promptLogprobs.",
      );
    }
    body.prompt_logprobs = options.promptLogprobs;
    body.return_token_ids = true;
  }
  if (options.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function checkInteger(name: string, value: number, min: number, max: number, why = ""): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${name} must be ${range}${why}; got ${value}`);
  }
}

/**
 * Options of `parseOpenAIChat`.
 *
 * @example
 * parseOpenAIChat(body, { choice: 1 } satisfies ChatParseOptions)
 */
export interface ChatParseOptions {
  /** Which choice (by its `index`) to read when `n > 1`; default 0. */
  choice?: number;
  /** The templated prompt's ids (vLLM `/tokenize` with `messages`), to identify prompt tokens. */
  promptTokenIds?: readonly number[];
}

/**
 * Parses a non-streamed chat completion (OpenAI or vLLM) into the canonical rows of one choice:
 * vLLM's top-level `prompt_logprobs` first (when sent), then one generated row per
 * `logprobs.content` entry (or `logprobs.refusal` entry). Exact bytes come from `bytes`; `-9999`
 * means unknown; ranks are derived from `top_logprobs`, censored where they cannot be known. The
 * body is the parsed JSON, or its text read by `readChatText`.
 *
 * @example
 * const seq = parseOpenAIChat(body);
 * seq.rows[0] // { token: "Hello", logprob: -0.317, rank: 1, topK: 2, isPrompt: false, … }
 */
export function parseOpenAIChat(body: unknown, options: ChatParseOptions = {}): ParsedSequence {
  if (body instanceof ScannedBody) {
    // The hot fields are out of the envelope already: zod checks the small rest.
    return chatSequence(validate(chatResponseSchema, body.envelope, OPENAI_CHAT_DIALECT), options, body.hot);
  }
  return chatSequence(validateChatResponse(body), options);
}

/**
 * The body scanner's readers of a chat completion: each choice's `logprobs.content` and
 * `logprobs.refusal` into `ChatLogprobEntries`, vLLM's top-level `prompt_logprobs` into
 * `PromptLogprobEntries`.
 *
 * @example
 * scanBody(text, CHAT_READERS)?.hot.get("choices.0.logprobs.content")
 */
export const CHAT_READERS: readonly HotReader[] = [
  { path: ["choices", "*", "logprobs", "content"], read: chatLogprobsReader },
  { path: ["choices", "*", "logprobs", "refusal"], read: chatLogprobsReader },
  { path: ["prompt_logprobs"], read: promptLogprobsReader },
];

/**
 * Reads a chat completion's text with its logprob arrays scanned straight into columns (no object
 * per entry or alternative), for `parseOpenAIChat`; undefined when the scanner cannot read it
 * exactly as `JSON.parse` would (then parse it as usual, which also reports what is wrong).
 *
 * @example
 * const body = readChatText(text) ?? JSON.parse(text);
 * parseOpenAIChat(body)
 */
export function readChatText(text: string): ScannedBody | undefined {
  return scanBody(text, CHAT_READERS);
}

/**
 * Validates a non-streamed chat completion at the boundary. The `logprobs.content` entries and
 * vLLM's `prompt_logprobs` (most of the body's bytes) are checked by hand rather than copied by zod;
 * a body that fails throws the same `ResponseShapeError` as `validate(chatResponseSchema, …)`.
 *
 * @example
 * const response = validateChatResponse(JSON.parse(text));
 */
export function validateChatResponse(body: unknown): ChatResponse {
  return validateFast(chatResponseSchema, body, OPENAI_CHAT_DIALECT, CHAT_HOT_FIELDS);
}

const CHAT_HOT_FIELDS: readonly HotField[] = [
  { path: ["choices", "*", "logprobs", "content"], accepts: acceptsChatTokenLogprobs },
  { path: ["choices", "*", "logprobs", "refusal"], accepts: acceptsChatTokenLogprobs },
  { path: ["prompt_logprobs"], accepts: acceptsPromptLogprobs },
];

/**
 * The rows of one choice of a validated chat completion (see `parseOpenAIChat`). `hot` holds what
 * the body scanner read, by path (`choices.0.logprobs.content`, `prompt_logprobs`; the envelope has
 * null there).
 *
 * @example
 * chatSequence(validate(chatResponseSchema, body, "openai-chat"), { choice: 0 })
 */
export function chatSequence(
  response: ChatResponse,
  options: ChatParseOptions = {},
  hot?: ReadonlyMap<string, unknown>,
): ParsedSequence {
  const index = options.choice ?? 0;
  const at = response.choices.findIndex((c) => c.index === index);
  const choice = response.choices[at];
  if (!choice) {
    const have = response.choices.map((c) => c.index).join(", ");
    throw new UsageError(
      `choice ${index} is not in this response; it has ${response.choices.length} choice(s) (index ${have})`,
    );
  }
  const promptLogprobs =
    (hot?.get("prompt_logprobs") as PromptLogprobEntries | undefined) ?? response.prompt_logprobs;
  const prompt = promptLogprobs
    ? promptColumns(
        { prompt_logprobs: promptLogprobs, prompt_token_ids: response.prompt_token_ids },
        { promptTokenIds: options.promptTokenIds },
      )
    : undefined;
  const path = `choices.${at}.logprobs`;
  const entries = logprobEntries(
    choice.logprobs,
    hot?.get(`${path}.content`) as ChatLogprobEntries | undefined,
    hot?.get(`${path}.refusal`) as ChatLogprobEntries | undefined,
  );
  const generated = chatColumns(
    entries,
    prompt?.columns.length ?? 0,
    choice.token_ids,
    trueTopK(choice.logprobs),
  );
  const columns =
    prompt && prompt.columns.length > 0 ? TokenColumns.concat([prompt.columns, generated]) : generated;
  return columnSequence(columns, {
    method: prompt?.method ?? "generated",
    model: response.model,
    dialect: OPENAI_CHAT_DIALECT,
    finishReason: choice.finish_reason ?? null,
  });
}

/**
 * An incremental parser for a streamed chat completion: push each chunk's parsed JSON (the caller
 * handles SSE framing and `[DONE]`). Chunks of other choices, the role-only first chunk and the
 * final usage chunk (`choices: []`) add no rows. `done` turns true on the chosen choice's
 * `finish_reason`; `result()` then equals `parseOpenAIChat` of the same answer unstreamed.
 *
 * @example
 * const parser = createOpenAIChatStreamParser();
 * for (const chunk of chunks) parser.push(chunk);
 * parser.result().rows.length
 */
export function createOpenAIChatStreamParser(options: { choice?: number } = {}): StreamParser {
  const index = options.choice ?? 0;
  return new GeneratedStreamParser(OPENAI_CHAT_DIALECT, "in the chat stream", (payload, seen) => {
    const chunk = validate(chatChunkSchema, payload, OPENAI_CHAT_DIALECT);
    const choice = chunk.choices.find((c) => c.index === index);
    return {
      // A chunk holds a token or a few: rows straight away, for the stream parser to hand out.
      rows: choice
        ? chatColumns(
            logprobEntries(choice.logprobs),
            seen,
            choice.token_ids,
            trueTopK(choice.logprobs),
          ).rows()
        : [],
      done: choice?.finish_reason != null,
      finishReason: choice?.finish_reason ?? null,
      model: chunk.model,
    };
  });
}

/** A choice's `content` then `refusal` entries: as the scanner read them, else from the parsed arrays. */
function logprobEntries(
  logprobs: ChatLogprobs | null | undefined,
  content?: ChatLogprobEntries,
  refusal?: ChatLogprobEntries,
): ChatLogprobEntries {
  return joinChatLogprobEntries(
    content ?? chatLogprobEntries(logprobs?.content),
    refusal ?? chatLogprobEntries(logprobs?.refusal),
  );
}

/**
 * OpenAI always sends the `refusal` key (null when there is none; the scanner's envelope keeps the
 * key, with null) and lists the true top-k, most likely first; vLLM never sends it.
 */
function trueTopK(logprobs: ChatLogprobs | null | undefined): boolean {
  return logprobs?.refusal !== undefined;
}
