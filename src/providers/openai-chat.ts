import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { type Alternative, cleanLogprob } from "../core/token-logprob.js";
import { UsageError } from "../errors.js";
import { acceptsChatTokenLogprobs } from "./accepts-chat-token-logprobs.js";
import { acceptsPromptLogprobs } from "./accepts-prompt-logprobs.js";
import type { ChatMessage, ChatRequest } from "./chat-request-schema.js";
import { GeneratedStreamParser } from "./generated-stream-parser.js";
import {
  type ChatLogprobs,
  type ChatResponse,
  type ChatTokenLogprob,
  type ChatTopLogprob,
  chatChunkSchema,
  chatResponseSchema,
} from "./openai-chat-schema.js";
import type { ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { isSpecialTokenText, tokenIdFromPlaceholder } from "./token-text.js";
import { type HotField, validate, validateFast } from "./validate.js";
import { promptRows, unlistedCannotOutrank } from "./vllm-completions.js";

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
 * means unknown; ranks are derived from `top_logprobs`, censored where they cannot be known.
 *
 * @example
 * const seq = parseOpenAIChat(body);
 * seq.rows[0] // { token: "Hello", logprob: -0.317, rank: 1, topK: 2, isPrompt: false, … }
 */
export function parseOpenAIChat(body: unknown, options: ChatParseOptions = {}): ParsedSequence {
  return chatSequence(validateChatResponse(body), options);
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
 * The rows of one choice of a validated chat completion (see `parseOpenAIChat`).
 *
 * @example
 * chatSequence(validate(chatResponseSchema, body, "openai-chat"), { choice: 0 })
 */
export function chatSequence(response: ChatResponse, options: ChatParseOptions = {}): ParsedSequence {
  const index = options.choice ?? 0;
  const choice = response.choices.find((c) => c.index === index);
  if (!choice) {
    const have = response.choices.map((c) => c.index).join(", ");
    throw new UsageError(
      `choice ${index} is not in this response; it has ${response.choices.length} choice(s) (index ${have})`,
    );
  }
  const prompt = response.prompt_logprobs
    ? promptRows(
        { prompt_logprobs: response.prompt_logprobs, prompt_token_ids: response.prompt_token_ids },
        { promptTokenIds: options.promptTokenIds },
      )
    : { rows: [], method: "generated" as const };
  const generated = chatRows(choice.logprobs, prompt.rows.length, choice.token_ids);
  return {
    rows: prompt.rows.length === 0 ? generated : [...prompt.rows, ...generated],
    method: prompt.method,
    model: response.model,
    dialect: OPENAI_CHAT_DIALECT,
    finishReason: choice.finish_reason ?? null,
  };
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
      rows: choice ? chatRows(choice.logprobs, seen, choice.token_ids) : [],
      done: choice?.finish_reason != null,
      finishReason: choice?.finish_reason ?? null,
      model: chunk.model,
    };
  });
}

/** Rows of one `choices[].logprobs` (a whole message, or one chunk's delta) from `firstPosition` on. */
function chatRows(
  logprobs: ChatLogprobs | null | undefined,
  firstPosition: number,
  tokenIds: readonly number[] | null | undefined,
): RowWithoutOffsets[] {
  if (!logprobs) return [];
  const content = logprobs.content ?? [];
  const entries = logprobs.refusal ? [...content, ...logprobs.refusal] : content;
  // vLLM's `token_ids` (return_token_ids) are the exact ids of the same tokens, in order.
  const ids = tokenIds && tokenIds.length === entries.length ? tokenIds : null;
  // OpenAI always sends the `refusal` key (vLLM never does) and lists the true top-k, most likely first.
  const trueTopK = logprobs.refusal !== undefined;
  const rows: RowWithoutOffsets[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    rows[i] = chatRow(entries[i] as ChatTokenLogprob, firstPosition + i, ids?.[i] ?? null, trueTopK);
  }
  return rows;
}

/**
 * Where each listed alternative (in `listed` order) was on the wire: vLLM puts the sampled token
 * first, OpenAI the most likely. Scratch space for `chatRow`, which runs to completion per row.
 */
let wireAt = new Int32Array(64);

function chatRow(
  entry: ChatTokenLogprob,
  position: number,
  knownId: number | null,
  trueTopK: boolean,
): RowWithoutOffsets {
  const placeholderId = tokenIdFromPlaceholder(entry.token);
  const tokenId = knownId ?? placeholderId;
  // With return_tokens_as_token_ids, `bytes` are those of the "token_id:N" text, not of the token.
  const bytes = placeholderId === null && entry.bytes ? Uint8Array.from(entry.bytes) : null;
  const logprob = cleanLogprob(entry.logprob);
  const wire = entry.top_logprobs ?? [];
  const listed = dedupe(wire);
  const n = listed.length;
  const alternatives = rankedAlternatives(listed);
  const at = findSampled(listed, wire, entry, placeholderId);
  const actual = at < 0 ? undefined : (listed[at] as Alternative);
  if (actual && actual.tokenId === null) actual.tokenId = tokenId;

  let rank: number | null = null;
  let censored = false;
  let bound: number | null = null;
  if (!actual && n > 0) {
    // Not among the listed top-k (OpenAI's -9999 too: "not within the top 20"): rank > k.
    censored = true;
    bound = n;
  } else if (logprob !== null && actual) {
    let derived = 1;
    // Something listed is less likely: then all more likely tokens are listed.
    let lessLikely = false;
    for (let i = 0; i < n; i++) {
      const other = listed[i] as Alternative;
      const lp = other.logprob;
      if (lp !== null && lp > logprob) derived++;
      if (other !== actual && (lp === null || lp < logprob)) lessLikely = true;
    }
    // Exact when something listed is less likely, when the list is a true top-k (OpenAI; or a
    // server that did not put the sampled token first), or when too little probability is left
    // for an unlisted token to be more likely.
    const exact = lessLikely || trueTopK || wireAt[at] !== 0 || unlistedCannotOutrank(listed, logprob);
    if (exact) {
      rank = derived;
    } else {
      // vLLM lists the sampled token first, then the top-1..k-1 when it is outside the top-k:
      // the least likely of the list may rank anywhere from `derived` down.
      actual.rank = null;
      censored = derived > 1;
      bound = censored ? derived - 1 : null;
    }
  }
  // vLLM's placeholder for a sampled token missing from the logprob dict (an EOS, PR #17637).
  const eosPlaceholder =
    entry.token === "" && logprob === null && (entry.bytes ?? []).length === 0 && wire.length === 0;
  return {
    position,
    tokenId,
    token: entry.token,
    bytes,
    logprob,
    rank,
    rankCensored: censored,
    rankBound: bound,
    topK: n,
    alternatives,
    isPrompt: false,
    special: eosPlaceholder || isSpecialTokenText(entry.token),
  };
}

/**
 * The listed alternatives most likely first (stable: ties keep the server's order; unknown last),
 * each ranked by its value: 1 + how many listed are strictly more likely (ties share a rank).
 */
function rankedAlternatives(listed: readonly Alternative[]): Alternative[] {
  const out: Alternative[] = new Array(listed.length);
  for (let i = 0; i < listed.length; i++) {
    const alternative = listed[i] as Alternative;
    const value = alternative.logprob ?? -Infinity;
    let j = i;
    while (j > 0 && ((out[j - 1] as Alternative).logprob ?? -Infinity) < value) {
      out[j] = out[j - 1] as Alternative;
      j--;
    }
    out[j] = alternative;
  }
  for (let i = 0; i < out.length; i++) {
    const alternative = out[i] as Alternative;
    if (alternative.logprob === null) continue;
    const previous = i > 0 ? (out[i - 1] as Alternative) : undefined;
    alternative.rank = previous && previous.logprob === alternative.logprob ? previous.rank : i + 1;
  }
  return out;
}

/**
 * The alternatives as listed, exact repeats dropped: the same id (`token_id:N`), or the same text,
 * bytes and logprob (as their JSON: NaN, ±Infinity and null alike). Different tokens may share a
 * text (e.g. two partial-UTF-8 tokens shown as "�"), so text alone does not make a repeat. Where
 * each came from on the wire goes to `wireAt`.
 */
function dedupe(wire: readonly ChatTopLogprob[]): Alternative[] {
  if (wire.length > wireAt.length) wireAt = new Int32Array(2 * wire.length);
  const out: Alternative[] = [];
  for (let w = 0; w < wire.length; w++) {
    const top = wire[w] as ChatTopLogprob;
    const id = tokenIdFromPlaceholder(top.token);
    let repeat = false;
    for (let i = 0; i < out.length && !repeat; i++) {
      const seenId = (out[i] as Alternative).tokenId;
      const seen = wire[wireAt[i] as number] as ChatTopLogprob;
      repeat =
        id !== null || seenId !== null
          ? id === seenId
          : seen.token === top.token &&
            sameJsonBytes(seen.bytes ?? null, top.bytes ?? null) &&
            sameJsonNumber(seen.logprob, top.logprob);
    }
    if (repeat) continue;
    wireAt[out.length] = w;
    out.push({ tokenId: id, token: top.token, logprob: cleanLogprob(top.logprob), rank: null });
  }
  return out;
}

function sameJsonBytes(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameJsonNumber(a: number | null, b: number | null): boolean {
  const aNull = a === null || !Number.isFinite(a);
  const bNull = b === null || !Number.isFinite(b);
  return aNull || bNull ? aNull && bNull : a === b;
}

/**
 * Which listed alternative is the sampled token (its index, or -1): by id, else by text and bytes,
 * the nearest logprob among several.
 */
function findSampled(
  listed: readonly Alternative[],
  wire: readonly ChatTopLogprob[],
  entry: ChatTokenLogprob,
  id: number | null,
): number {
  let first = -1;
  let count = 0;
  let sameLogprob = -1;
  const entryBytes = entry.bytes ?? null;
  for (let i = 0; i < listed.length; i++) {
    const alternative = listed[i] as Alternative;
    const top = wire[wireAt[i] as number] as ChatTopLogprob;
    const matches =
      id !== null && alternative.tokenId !== null
        ? alternative.tokenId === id
        : alternative.token === entry.token && sameBytes(top.bytes ?? null, entryBytes);
    if (!matches) continue;
    count++;
    if (first < 0) first = i;
    if (sameLogprob < 0 && top.logprob === entry.logprob) sameLogprob = i;
  }
  if (count <= 1 || id !== null) return first;
  return sameLogprob >= 0 ? sameLogprob : first;
}

function sameBytes(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === null || b === null) return true;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
