import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { UsageError } from "../errors.js";
import { OllamaSequence } from "./ollama-rows.js";
import {
  type OllamaChatRequest,
  type OllamaGenerateRequest,
  type OllamaMessage,
  ollamaResponseSchema,
} from "./ollama-schema.js";
import type { ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { throwIfServerError } from "./stream-error.js";
import { validate } from "./validate.js";

/** The dialect name of Ollama `/api/generate` and `/api/chat` results. */
export const OLLAMA_DIALECT = "ollama" as const;

/** Ollama's limit for `top_logprobs` (it answers 400 outside 0..20). */
export const OLLAMA_MAX_TOP_LOGPROBS = 20;

export interface OllamaRequestOptions {
  model: string;
  /** Alternatives per generated token, 0..20 (default 0: only each token's own logprob). */
  topLogprobs?: number;
  /** Tokens to generate (`options.num_predict`). */
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  stop?: string[];
  /** NDJSON stream (default false; Ollama itself streams unless told not to). */
  stream?: boolean;
}

/**
 * Builds an Ollama `POST /api/generate` body with `logprobs: true` and `top_logprobs`; `stream` is
 * always explicit. `raw: true` skips the model's prompt template.
 *
 * @example
 * ollamaGenerateRequest("Why is the sky blue?", { model: "llama3.2", topLogprobs: 5 })
 * // { model: "llama3.2", prompt: "Why is the sky blue?", stream: false, logprobs: true, top_logprobs: 5 }
 */
export function ollamaGenerateRequest(
  prompt: string,
  options: OllamaRequestOptions & { raw?: boolean },
): OllamaGenerateRequest {
  const body: OllamaGenerateRequest = { model: options.model, prompt, ...common(options) };
  if (options.raw !== undefined) body.raw = options.raw;
  return body;
}

/**
 * Builds an Ollama `POST /api/chat` body with `logprobs: true` and `top_logprobs`.
 *
 * @example
 * ollamaChatRequest([{ role: "user", content: "Hi" }], { model: "llama3.2", topLogprobs: 3, stream: true })
 */
export function ollamaChatRequest(
  messages: OllamaMessage[],
  options: OllamaRequestOptions,
): OllamaChatRequest {
  return { model: options.model, messages, ...common(options) };
}

function common(options: OllamaRequestOptions) {
  const top = options.topLogprobs ?? 0;
  if (!Number.isInteger(top) || top < 0 || top > OLLAMA_MAX_TOP_LOGPROBS) {
    throw new UsageError(
      `topLogprobs must be an integer from 0 to ${OLLAMA_MAX_TOP_LOGPROBS}; got ${top} (Ollama answers 400 outside that range).`,
    );
  }
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens >= 1)) {
    throw new UsageError(`maxTokens must be an integer ≥ 1; got ${options.maxTokens}.`);
  }
  const settings: NonNullable<OllamaGenerateRequest["options"]> = {};
  if (options.maxTokens !== undefined) settings.num_predict = options.maxTokens;
  if (options.temperature !== undefined) settings.temperature = options.temperature;
  if (options.seed !== undefined) settings.seed = options.seed;
  if (options.stop !== undefined) settings.stop = options.stop;
  return {
    stream: options.stream ?? false,
    logprobs: true as const,
    ...(top > 0 ? { top_logprobs: top } : {}),
    ...(Object.keys(settings).length > 0 ? { options: settings } : {}),
  };
}

/**
 * Parses an Ollama `/api/generate` or `/api/chat` body sent with `stream: false` into the canonical
 * rows of the generated sequence. Partial UTF-8 tokens (`"�"`) get their characters back from the
 * response text.
 *
 * @example
 * const seq = parseOllama(body);
 * seq.rows.map((r) => r.token).join("") // the response text
 */
export function parseOllama(body: unknown): ParsedSequence {
  const line = validate(ollamaResponseSchema, body, OLLAMA_DIALECT);
  const text = line.response ?? line.message?.content ?? "";
  if (line.logprobs === undefined && text.length > 0) {
    throw new UsageError(
      "this Ollama body has no logprobs: send logprobs: true (ollamaGenerateRequest does); " +
        "Ollama versions from before logprob support ignore the field.",
    );
  }
  const sequence = new OllamaSequence();
  sequence.add({ ...line, done: true });
  return resultOf(sequence);
}

function resultOf(sequence: OllamaSequence): ParsedSequence {
  return {
    rows: sequence.rows(),
    method: "generated",
    model: sequence.model,
    dialect: OLLAMA_DIALECT,
    finishReason: sequence.finishReason,
    incomplete: !sequence.done,
  };
}

class OllamaStreamParser implements StreamParser {
  readonly #sequence = new OllamaSequence();

  get done(): boolean {
    return this.#sequence.done;
  }

  push(payload: unknown): RowWithoutOffsets[] {
    if (this.#sequence.done) return [];
    throwIfServerError(payload, this.#sequence.rows(), "in the Ollama stream");
    return this.#sequence.add(validate(ollamaResponseSchema, payload, OLLAMA_DIALECT));
  }

  result(): ParsedSequence {
    return resultOf(this.#sequence);
  }
}

/**
 * A `StreamParser` for Ollama's NDJSON stream: push each line's JSON; each carries the logprobs of
 * its own tokens, and the `done: true` line ends it. `{"error": …}` lines throw `ServerError`.
 *
 * @example
 * const parser = createOllamaStreamParser();
 * for (const line of ndjson.split("\n").filter(Boolean)) parser.push(JSON.parse(line));
 */
export function createOllamaStreamParser(): StreamParser {
  return new OllamaStreamParser();
}
