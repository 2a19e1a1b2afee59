import { UsageError } from "../errors.js";
import type { Dialect, ParsedSequence } from "./parsed-sequence.js";
import type { TgiGenerateRequest, TgiParameters } from "./tgi-request-schema.js";
import { tgiGeneratedRow, tgiPrefillRows } from "./tgi-rows.js";
import { type TgiDetails, type TgiSequenceDetails, tgiGenerateResponseSchema } from "./tgi-schema.js";
import { validate } from "./validate.js";

/** The dialect name of TGI `/generate` and `/generate_stream` results. */
export const TGI_DIALECT = "tgi" as const;

/** TGI's launcher default for `--max-top-n-tokens`. */
export const TGI_MAX_TOP_N_TOKENS = 5;

export interface TgiRequestOptions {
  /** Tokens to generate (≥ 1: TGI cannot score a prompt without generating). Default 1 with `promptLogprobs`, else 16. */
  maxNewTokens?: number;
  /** Ask for prefill (prompt) logprobs: `decoder_input_details`. Needs a TGI ≥ 3.0 server launched with `--enable-prefill-logprobs`. */
  promptLogprobs?: boolean;
  /** Alternatives per generated token (`top_n_tokens`), 0..maxTopNTokens. */
  topNTokens?: number;
  /** The server's `--max-top-n-tokens` when it was raised above the default 5. */
  maxTopNTokens?: number;
  /** Sampling temperature, > 0 (TGI rejects 0; leave it unset for greedy decoding). */
  temperature?: number;
  seed?: number;
  doSample?: boolean;
  topK?: number;
  /** In (0, 1) exclusive: TGI rejects 1.0. */
  topP?: number;
  stop?: string[];
  /** The body is for `/generate_stream`, where TGI rejects `decoder_input_details`. */
  stream?: boolean;
}

export interface TgiParseOptions {
  /** Prompt logprobs were asked for (`decoder_input_details`): an empty `prefill` is then an error, not "no prompt". */
  promptLogprobs?: boolean;
  /** The prompt (`inputs`); repairs the display text of prefill tokens (lost spaces, `"�"`). */
  prompt?: string;
  /** Keep generated positions (default true); scoring a prompt drops the token TGI had to generate. */
  includeGenerated?: boolean;
  /** Which sequence: 0 (default) the returned one, i ≥ 1 the i-th of `best_of_sequences`. */
  sequence?: number;
  /** The model the request named (TGI bodies do not say). */
  model?: string;
}

/**
 * Builds a TGI `POST /generate` (or `/generate_stream`) body: plural `inputs`, nested `parameters`,
 * always `details: true` (without it TGI sends no logprobs at all), `decoder_input_details` for
 * prompt logprobs, `top_n_tokens` for alternatives. Rejects with a `UsageError` what TGI would reject:
 * `top_n_tokens` above `--max-top-n-tokens` (default 5), `max_new_tokens` 0, `temperature` ≤ 0,
 * `top_p` outside (0, 1), `decoder_input_details` when streaming.
 *
 * @example
 * tgiGenerateRequest("The capital of France is", { promptLogprobs: true, topNTokens: 5 })
 * // { inputs: "The capital of France is", parameters: { details: true, decoder_input_details: true, max_new_tokens: 1, top_n_tokens: 5, … } }
 */
export function tgiGenerateRequest(prompt: string, options: TgiRequestOptions = {}): TgiGenerateRequest {
  const maxTop = options.maxTopNTokens ?? TGI_MAX_TOP_N_TOKENS;
  const top = options.topNTokens ?? 0;
  if (!Number.isInteger(top) || top < 0 || top > maxTop) {
    throw new UsageError(
      `topNTokens must be an integer from 0 to ${maxTop}; got ${top}. TGI rejects top_n_tokens above its ` +
        `--max-top-n-tokens (default ${TGI_MAX_TOP_N_TOKENS}); if your server was launched with a higher limit, pass maxTopNTokens.`,
    );
  }
  if (options.promptLogprobs && options.stream) {
    throw new UsageError(
      "TGI rejects decoder_input_details when streaming; ask for prompt logprobs with /generate (not /generate_stream).",
    );
  }
  const maxNewTokens = options.maxNewTokens ?? (options.promptLogprobs ? 1 : 16);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new UsageError(
      `maxNewTokens must be an integer ≥ 1; got ${maxNewTokens}. TGI cannot score a prompt without generating ` +
        "a token: ask for 1 and drop it when parsing (includeGenerated: false).",
    );
  }
  if (options.temperature !== undefined && !(options.temperature > 0)) {
    throw new UsageError(
      `TGI requires temperature > 0; got ${options.temperature}. For greedy decoding leave temperature unset.`,
    );
  }
  if (options.topP !== undefined && !(options.topP > 0 && options.topP < 1)) {
    throw new UsageError(`TGI requires topP strictly between 0 and 1; got ${options.topP}.`);
  }
  const parameters: TgiParameters = {
    details: true,
    decoder_input_details: options.promptLogprobs === true,
    max_new_tokens: maxNewTokens,
    return_full_text: false,
  };
  if (top > 0) parameters.top_n_tokens = top;
  if (options.temperature !== undefined) parameters.temperature = options.temperature;
  if (options.seed !== undefined) parameters.seed = options.seed;
  if (options.doSample !== undefined) parameters.do_sample = options.doSample;
  if (options.topK !== undefined) parameters.top_k = options.topK;
  if (options.topP !== undefined) parameters.top_p = options.topP;
  if (options.stop !== undefined) parameters.stop = options.stop;
  return { inputs: prompt, parameters };
}

/**
 * Parses a TGI `/generate` body into the canonical rows of one sequence: prefill rows (prompt
 * positions, from `details.prefill`) then generated rows (`details.tokens`, alternatives from
 * `details.top_tokens`, `special` flags kept). Token ids come with every row.
 *
 * When `promptLogprobs` says prompt logprobs were asked for and `prefill` is empty, throws a
 * `UsageError` naming the cause: TGI ≥ 3.0 drops prefill logprobs unless launched with
 * `--enable-prefill-logprobs`.
 *
 * @example
 * const seq = parseTgiGenerate(body, { promptLogprobs: true, prompt: "Pour dégust…" });
 * seq.rows[0].logprob // null (position 0 has no conditional)
 */
export function parseTgiGenerate(body: unknown, options: TgiParseOptions = {}): ParsedSequence {
  return parseTgiBody(body, options, TGI_DIALECT);
}

/**
 * `parseTgiGenerate` for a dialect that reuses TGI's body (DEVUP / DeepInfra native).
 *
 * @example
 * parseTgiBody(body, {}, "devup")
 */
export function parseTgiBody(body: unknown, options: TgiParseOptions, dialect: Dialect): ParsedSequence {
  // The Hugging Face Inference API wraps the same body in a one-element array.
  const one = Array.isArray(body) && body.length > 0 ? body[0] : body;
  const response = validate(tgiGenerateResponseSchema, one, dialect);
  if (!response.details) {
    throw new UsageError(
      "this TGI /generate body has no `details`, so no token logprobs: send parameters.details: true " +
        "(tgiGenerateRequest does).",
    );
  }
  return tgiSequence(selectSequence(response.details, options.sequence ?? 0), options, dialect);
}

/**
 * The canonical rows of one TGI-style sequence's details (`details`, a `best_of_sequences` entry, or
 * the `details` the embedded server adds to a DEVUP result).
 *
 * @example
 * tgiSequence(response.details, { promptLogprobs: true }, "tgi")
 */
export function tgiSequence(
  sequence: TgiSequenceDetails,
  options: TgiParseOptions,
  dialect: Dialect,
): ParsedSequence {
  const prefill = sequence.prefill ?? [];
  if (options.promptLogprobs && prefill.length === 0) {
    throw new UsageError(
      "prompt logprobs were requested (decoder_input_details: true) but TGI returned an empty details.prefill. " +
        "Since TGI 3.0 prefill logprobs are off unless the server is launched with --enable-prefill-logprobs " +
        "(env ENABLE_PREFILL_LOGPROBS=true); restart it with that flag, or ask only for generated-token logprobs.",
    );
  }
  const promptRows = tgiPrefillRows(prefill, options.prompt);
  const generated =
    options.includeGenerated === false
      ? []
      : sequence.tokens.map((token, i) =>
          tgiGeneratedRow(token, sequence.top_tokens?.[i], promptRows.length + i),
        );
  return {
    rows: [...promptRows, ...generated],
    method: promptRows.length > 0 ? "return_token_ids" : "generated",
    model: options.model,
    dialect,
    finishReason: sequence.finish_reason,
  };
}

function selectSequence(details: TgiDetails, index: number): TgiSequenceDetails {
  if (index === 0) return details;
  const others = details.best_of_sequences ?? [];
  const chosen = Number.isInteger(index) && index > 0 ? others[index - 1] : undefined;
  if (!chosen) {
    throw new UsageError(
      `sequence ${index} is not in this body: it has the returned sequence (0) and ${others.length} best_of sequence(s) (1..${others.length}).`,
    );
  }
  return chosen;
}
