import { UsageError } from "../errors.js";
import type { DevupRequest } from "./devup-request-schema.js";
import type { ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { parseTgiBody, type TgiParseOptions, tgiSequence } from "./tgi.js";
import { deepInfraNativeResponseSchema } from "./tgi-schema.js";
import { type TgiStreamOptions, tgiStyleStreamParser } from "./tgi-stream.js";
import { validate } from "./validate.js";

/** The dialect name of DEVUP / DeepInfra native results. */
export const DEVUP_DIALECT = "devup" as const;

export interface DevupRequestOptions {
  /** Stream the answer (default true: token logprobs are documented on the streaming events only). */
  stream?: boolean;
  maxNewTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  repetitionPenalty?: number;
  stop?: string[];
  seed?: number;
  /** TGI's `top_n_tokens`, sent flat. Not documented for DEVUP / DeepInfra (the embedded server honours it). */
  topNTokens?: number;
  /**
   * Ask for TGI-style `details` in a non-streaming answer (default: when not streaming). Not
   * documented for DEVUP / DeepInfra (the embedded server honours it).
   */
  details?: boolean;
}

export interface DevupParseOptions extends TgiParseOptions {
  /** Which of `results` (`num_responses` > 1), default 0. */
  result?: number;
}

/**
 * Builds the DEVUP native (= DeepInfra native) `POST {base}/v1/inference/{model}` body: singular
 * `input` and flat parameters — not TGI's `inputs` + nested `parameters`. Streams by default.
 *
 * @example
 * devupRequest("I have this dream", { maxNewTokens: 16 })
 * // { input: "I have this dream", stream: true, max_new_tokens: 16 }
 */
export function devupRequest(input: string, options: DevupRequestOptions = {}): DevupRequest {
  if (
    options.maxNewTokens !== undefined &&
    !(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 1)
  ) {
    throw new UsageError(`maxNewTokens must be an integer ≥ 1; got ${options.maxNewTokens}.`);
  }
  if (
    options.topNTokens !== undefined &&
    !(Number.isInteger(options.topNTokens) && options.topNTokens >= 0)
  ) {
    throw new UsageError(`topNTokens must be an integer ≥ 0; got ${options.topNTokens}.`);
  }
  const stream = options.stream ?? true;
  const body: DevupRequest = { input, stream };
  if (options.maxNewTokens !== undefined) body.max_new_tokens = options.maxNewTokens;
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.topK !== undefined) body.top_k = options.topK;
  if (options.repetitionPenalty !== undefined) body.repetition_penalty = options.repetitionPenalty;
  if (options.stop !== undefined) body.stop = options.stop;
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.topNTokens !== undefined && options.topNTokens > 0) body.top_n_tokens = options.topNTokens;
  if (options.details ?? !stream) body.details = true;
  return body;
}

/**
 * Parses a non-streaming DEVUP / DeepInfra native body. The documented shape
 * (`results[].generated_text`) carries no token logprobs, so without `details` in the result it
 * throws a `UsageError` saying to stream instead; a result with TGI-style `details` (the embedded
 * server's extension) or a TGI-shaped body (`generated_text` + `details`) is parsed as TGI's.
 *
 * @example
 * parseDevupResponse({ results: [{ generated_text: " dream", details: { finish_reason: "length", generated_tokens: 1, tokens: [{ id: 5, text: " dream", logprob: -0.4, special: false }] } }] })
 */
export function parseDevupResponse(body: unknown, options: DevupParseOptions = {}): ParsedSequence {
  if (!(body && typeof body === "object" && "results" in body))
    return parseTgiBody(body, options, DEVUP_DIALECT);
  const response = validate(deepInfraNativeResponseSchema, body, DEVUP_DIALECT);
  const index = options.result ?? 0;
  const result = response.results[index];
  if (!result) {
    throw new UsageError(`result ${index} is not in this body; it has ${response.results.length} result(s).`);
  }
  if (!result.details) {
    throw new UsageError(
      "this DEVUP / DeepInfra native non-streaming body has only results[].generated_text, no token logprobs. " +
        "Send stream: true (devupRequest does by default) and parse the events with createDevupStreamParser().",
    );
  }
  return tgiSequence(result.details, options, DEVUP_DIALECT);
}

/**
 * A `StreamParser` for the DEVUP / DeepInfra native stream: TGI-style token events
 * (`data: {"token": {…}, "generated_text": null, "details": null}`, with a space, no `index`, no
 * `top_tokens` unless asked for), ended by the event whose `generated_text` is non-null or by
 * `[DONE]` (pushed as that string). Error events `{error_type, error_message}` throw `ServerError`.
 *
 * @example
 * const parser = createDevupStreamParser({ model: "meta-llama/Meta-Llama-3-8B-Instruct" });
 * parser.push({ token: { id: 29892, text: ",", logprob: -2.65625, special: false }, generated_text: null, details: null });
 */
export function createDevupStreamParser(options: TgiStreamOptions = {}): StreamParser {
  return tgiStyleStreamParser(DEVUP_DIALECT, options);
}
